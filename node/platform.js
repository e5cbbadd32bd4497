// The napi-rs name of the platform Node runs on: the `<tuple>` of the
// addon file `testrelay.<tuple>.node` and of the platform package
// `@testrelay/<tuple>` (internal; used by binding.js and the install step).
'use strict'

// The C library the running Node is linked against, on Linux.
function linuxLibc() {
  const report = process.report
  if (report && typeof report.getReport === 'function') {
    const exclude = report.excludeNetwork
    report.excludeNetwork = true
    try {
      return report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'
    } finally {
      report.excludeNetwork = exclude
    }
  }
  return 'gnu'
}

/** The napi-rs name of this platform (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ...). */
function platformTuple(platform = process.platform, arch = process.arch, libc = linuxLibc) {
  if (platform === 'linux') {
    if (arch === 'arm') return 'linux-arm-gnueabihf'
    return `linux-${arch}-${libc()}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  if (platform === 'android' && arch === 'arm') return 'android-arm-eabi'
  return `${platform}-${arch}`
}

module.exports = { platformTuple }
