// WebGPU tests run in the page: a compute shader adding two buffers, a
// texture copy, 30 frames rendered (their mean time is the frame_ms
// metric, the last one is shown on the page), and one test that fails on purpose. Each result goes to
// window.testrelayReport as soon as the test ends; a missing adapter is
// reported once, as { adapterError }, and nothing runs.

const report = (message) => (window.testrelayReport ? window.testrelayReport(message) : Promise.resolve())
const tests = []

/** Registers a test with the line it is declared on (from the stack). */
function test(name, fn) {
  const frame = new Error().stack.split('\n').find((l) => l.includes('webgpu-tests.js') && !l.includes('at test '))
  const match = frame && /:(\d+):\d+\)?$/.exec(frame)
  tests.push({ name, fn, line: match ? Number(match[1]) : undefined })
}

function expectEqual(actual, expected, what) {
  const a = JSON.stringify(Array.from(actual))
  const e = JSON.stringify(Array.from(expected))
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}

/** Reads `size` bytes of `buffer` (COPY_SRC) back to the CPU. */
async function readBack(device, buffer, size) {
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ })
  const encoder = device.createCommandEncoder()
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, size)
  device.queue.submit([encoder.finish()])
  await staging.mapAsync(GPUMapMode.READ)
  const bytes = staging.getMappedRange().slice(0)
  staging.unmap()
  staging.destroy()
  return bytes
}

/** Runs `out[i] = op(a[i], b[i])` in a compute shader; resolves with `out`. */
async function compute(device, op, a, b) {
  const size = a.byteLength
  const storage = (data) => {
    const buffer = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC })
    if (data) device.queue.writeBuffer(buffer, 0, data)
    return buffer
  }
  const [bufA, bufB, bufOut] = [storage(a), storage(b), storage(null)]
  const module = device.createShaderModule({
    code: `
      @group(0) @binding(0) var<storage, read> a: array<u32>;
      @group(0) @binding(1) var<storage, read> b: array<u32>;
      @group(0) @binding(2) var<storage, read_write> out: array<u32>;
      @compute @workgroup_size(64)
      fn main(@builtin(global_invocation_id) id: vec3<u32>) {
        if (id.x < arrayLength(&out)) { out[id.x] = ${op}; }
      }`,
  })
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } })
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [bufA, bufB, bufOut].map((buffer, binding) => ({ binding, resource: { buffer } })),
  })
  const encoder = device.createCommandEncoder()
  const pass = encoder.beginComputePass()
  pass.setPipeline(pipeline)
  pass.setBindGroup(0, bindGroup)
  pass.dispatchWorkgroups(Math.ceil(a.length / 64))
  pass.end()
  device.queue.submit([encoder.finish()])
  const out = new Uint32Array(await readBack(device, bufOut, size))
  for (const buffer of [bufA, bufB, bufOut]) buffer.destroy()
  return out
}

test('compute shader adds two buffers', async (device) => {
  const a = Uint32Array.from({ length: 256 }, (_, i) => i)
  const b = Uint32Array.from({ length: 256 }, (_, i) => 1000 * i + 7)
  const out = await compute(device, 'a[id.x] + b[id.x]', a, b)
  expectEqual(out, a.map((x, i) => x + b[i]), 'sums')
})

test('texture copy keeps every texel', async (device) => {
  const width = 8
  const height = 4
  const texels = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256)
  const usage = GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING
  const source = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage })
  const target = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage })
  device.queue.writeTexture({ texture: source }, texels, { bytesPerRow: width * 4 }, [width, height])
  const bytesPerRow = 256 // copies to buffers need rows aligned to 256 bytes
  const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC })
  const encoder = device.createCommandEncoder()
  encoder.copyTextureToTexture({ texture: source }, { texture: target }, [width, height])
  encoder.copyTextureToBuffer({ texture: target }, { buffer, bytesPerRow }, [width, height])
  device.queue.submit([encoder.finish()])
  const rows = new Uint8Array(await readBack(device, buffer, bytesPerRow * height))
  const copied = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) copied.set(rows.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4)
  expectEqual(copied, texels, 'texels')
  for (const t of [source, target]) t.destroy()
  buffer.destroy()
})

test('draws 30 frames and shows the last one', async (device, metrics) => {
  // Frames go to a texture (a WebGPU canvas would need the browser to
  // present it); the last frame is copied to the page's 2D canvas.
  const canvas = document.getElementById('frame')
  const { width, height } = canvas
  const texture = device.createTexture({
    size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
  })
  const module = device.createShaderModule({
    code: `
      @vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
        let p = array(vec2f(0.0, 0.8), vec2f(-0.8, -0.8), vec2f(0.8, -0.8));
        return vec4f(p[i], 0.0, 1.0);
      }
      @fragment fn fs() -> @location(0) vec4f { return vec4f(1.0, 0.6, 0.1, 1.0); }`,
  })
  const pipeline = device.createRenderPipeline({
    layout: 'auto',
    vertex: { module, entryPoint: 'vs' },
    fragment: { module, entryPoint: 'fs', targets: [{ format: 'rgba8unorm' }] },
  })
  const times = []
  for (let frame = 0; frame < 30; frame++) {
    const start = performance.now()
    const encoder = device.createCommandEncoder()
    const pass = encoder.beginRenderPass({
      colorAttachments: [{
        view: texture.createView(), clearValue: { r: 0.1, g: 0.2 + frame / 60, b: 0.5, a: 1 }, loadOp: 'clear', storeOp: 'store',
      }],
    })
    pass.setPipeline(pipeline)
    pass.draw(3)
    pass.end()
    device.queue.submit([encoder.finish()])
    await device.queue.onSubmittedWorkDone()
    times.push(performance.now() - start)
  }
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256
  const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC })
  const encoder = device.createCommandEncoder()
  encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height])
  device.queue.submit([encoder.finish()])
  const rows = new Uint8Array(await readBack(device, buffer, bytesPerRow * height))
  const image = new ImageData(width, height)
  for (let y = 0; y < height; y++) image.data.set(rows.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4)
  canvas.getContext('2d').putImageData(image, 0, 0)
  // The triangle's colour at the centre, the clear colour in a corner.
  const at = (x, y) => Array.from(image.data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4))
  expectEqual(at(width / 2, height / 2), [255, 153, 26, 255], 'centre pixel')
  expectEqual(at(0, 0), [26, Math.round((0.2 + 29 / 60) * 255), 128, 255], 'corner pixel')
  texture.destroy()
  buffer.destroy()
  metrics.push({ name: 'frame_ms', value: times.reduce((s, t) => s + t, 0) / times.length, unit: 'ms' })
})

test('fails on purpose: doubling is not tripling', async (device) => {
  const a = Uint32Array.from([1, 2, 3, 4])
  const out = await compute(device, 'a[id.x] + b[id.x]', a, a)
  expectEqual(out, a.map((x) => x * 3), 'products')
})

async function main() {
  let device
  try {
    if (!navigator.gpu) throw new Error('navigator.gpu is undefined: this browser has no WebGPU')
    const adapter = await navigator.gpu.requestAdapter()
    if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: no WebGPU adapter is available')
    device = await adapter.requestDevice()
    const info = adapter.info ?? {}
    await report({ adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown' })
  } catch (err) {
    await report({ adapterError: String(err.message ?? err) })
    return
  }
  const list = document.getElementById('results')
  for (const t of tests) {
    const metrics = []
    const start = performance.now()
    let status = 'passed'
    let message
    device.pushErrorScope('validation')
    let thrown
    try {
      await t.fn(device, metrics)
    } catch (err) {
      thrown = err
    }
    // A lost device rejects popErrorScope: the test fails with that error.
    const invalid = await device.popErrorScope().catch((err) => ({ message: String(err.message ?? err) }))
    if (thrown || invalid) {
      status = 'failed'
      message = thrown ? String(thrown.message ?? thrown) : `WebGPU validation error: ${invalid.message}`
    }
    const item = document.createElement('li')
    item.textContent = `${status}: ${t.name}${message ? ` (${message})` : ''}`
    list.append(item)
    await report({ test: { name: t.name, line: t.line, status, message, durationMs: performance.now() - start }, metrics })
  }
  await report({ done: true })
}

main()
