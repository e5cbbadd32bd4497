# testrelay's test-runner integrations for CMake, included by the installed
# testrelayConfig.cmake and by testrelay's own build:
#
# - testrelay::gtest, testrelay::catch2, testrelay::doctest: header-only
#   targets (testrelay/gtest.hpp, testrelay/catch2.hpp, testrelay/doctest.hpp
#   plus testrelay::testrelay, C++11). Link your runner (GTest::gtest,
#   Catch2::Catch2, doctest::doctest) yourself.
# - testrelay_add_tests(<target> ...): registers a test binary that uses one
#   of them as one ctest test whose run goes to a given history and output
#   directory (through the TESTRELAY_CONFIG environment variable the
#   integrations read).
foreach(_testrelay_runner IN ITEMS gtest catch2 doctest)
  if(NOT TARGET testrelay::${_testrelay_runner})
    add_library(testrelay::${_testrelay_runner} INTERFACE IMPORTED)
    set_target_properties(testrelay::${_testrelay_runner} PROPERTIES
      INTERFACE_LINK_LIBRARIES testrelay::testrelay
      INTERFACE_COMPILE_FEATURES cxx_std_11)
  endif()
endforeach()
unset(_testrelay_runner)

# testrelay_add_tests(<target>
#                     [NAME <test name>]          default: <target>
#                     [OUTPUT_DIR <dir>]          default: ${CMAKE_BINARY_DIR}/test_results/<target>
#                     [HISTORY <file>]            default: ${CMAKE_BINARY_DIR}/.testrelay/history.db
#                     [RUN_NAME <name>]           default: <target>
#                     [CONFIG <JSON object>]      any other configuration keys, e.g. {"provider":"local"}
#                     [WORKING_DIRECTORY <dir>]   default: ${CMAKE_CURRENT_BINARY_DIR}
#                     [ARGS <argument>...])       passed to the test binary
#
# Adds the ctest test <test name> running the whole binary once (one run
# in the history per ctest run), with TESTRELAY_CONFIG set to CONFIG plus
# output_dir, history_path and run_name (the arguments win over CONFIG;
# the defaults apply when CONFIG lacks the key). Relative paths are taken
# from the current binary directory. Stops configuring with an error on
# an unknown argument, a missing target or a CONFIG that is not a JSON
# object.
function(testrelay_add_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "NAME;OUTPUT_DIR;HISTORY;RUN_NAME;CONFIG;WORKING_DIRECTORY" "ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "testrelay_add_tests: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "testrelay_add_tests: ${target} is not a target")
  endif()
  if(NOT DEFINED arg_NAME)
    set(arg_NAME "${target}")
  endif()
  if(NOT DEFINED arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  if(NOT DEFINED arg_CONFIG)
    set(arg_CONFIG "{}")
  endif()
  string(JSON _type ERROR_VARIABLE _error TYPE "${arg_CONFIG}")
  if(_error OR NOT _type STREQUAL "OBJECT")
    message(FATAL_ERROR "testrelay_add_tests: CONFIG is not a JSON object: ${arg_CONFIG}")
  endif()
  set(_config "${arg_CONFIG}")
  foreach(_pair IN ITEMS "output_dir|OUTPUT_DIR|${CMAKE_BINARY_DIR}/test_results/${target}|path"
                         "history_path|HISTORY|${CMAKE_BINARY_DIR}/.testrelay/history.db|path"
                         "run_name|RUN_NAME|${target}|text")
    string(REPLACE "|" ";" _pair "${_pair}")
    list(GET _pair 0 _key)
    list(GET _pair 1 _argument)
    list(GET _pair 2 _default)
    list(GET _pair 3 _kind)
    string(JSON _present ERROR_VARIABLE _missing GET "${_config}" "${_key}")
    if(DEFINED arg_${_argument})
      set(_value "${arg_${_argument}}")
    elseif(_missing)
      set(_value "${_default}")
    else()
      continue()
    endif()
    if(_kind STREQUAL "path")
      get_filename_component(_value "${_value}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    endif()
    string(REPLACE "\\" "\\\\" _value "${_value}")
    string(REPLACE "\"" "\\\"" _value "${_value}")
    string(JSON _config SET "${_config}" "${_key}" "\"${_value}\"")
  endforeach()
  # One line, and ';' kept inside the one ENVIRONMENT entry.
  string(REPLACE "\n" "" _config "${_config}")
  string(REPLACE ";" "\\;" _config "${_config}")
  add_test(NAME "${arg_NAME}" COMMAND "${target}" ${arg_ARGS} WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}")
  set_tests_properties("${arg_NAME}" PROPERTIES ENVIRONMENT "TESTRELAY_CONFIG=${_config}")
endfunction()
