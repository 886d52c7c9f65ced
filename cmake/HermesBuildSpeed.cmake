# What keeps a cold build short (CI has no compiler cache: a cold release
# build was 12.5 min on 2 cores, and CI builds the tree twice, release and
# ASan).
#
# - Precompiled headers. Most files parse the same headers: the generated
#   protobuf header (25,000 lines, about 2 s of every file that includes
#   it) and the standard library's. They are parsed once for libhermes,
#   and once per group of tests that share compile flags. Not for hermesd
#   or hermes-tui: there GCC 12, with the header precompiled, reports
#   -Wstringop-overflow inside <string> (inlined into WebSocketUpgrade.cpp,
#   Paste.cpp), which it does not without. If a file of libhermes ever
#   does the same, take the library off (hermes_precompile) too.
# - Test code at -O0. ~130 Boost.Test files were two thirds of the compile
#   time; at -O2 one takes two to three times as long as at -O0
#   (HubClusterTest.cpp 34.5 s against 10.3 s). The code they test
#   (libhermes, hermesd, the tools, the harness library) keeps the build's
#   own flags, so the sanitizer builds still check optimised code and the
#   release tests still drive an -O2 hub.
option(HERMES_PRECOMPILED_HEADERS "Precompile the headers most files share" ON)

set(HERMES_SHARED_HEADERS
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional>
  <set> <string> <string_view> <unordered_map> <utility> <vector>
  <hermes/v1/hermes.pb.h>)

# Precompiles HERMES_SHARED_HEADERS for a library or program of our own.
function(hermes_precompile target)
  if(HERMES_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} PRIVATE ${HERMES_SHARED_HEADERS})
  endif()
endfunction()

# hermes_test_group(<group> LIBS <libraries>): the precompiled header that
# the tests of one folder reuse. Its flags must be theirs (GCC refuses a
# header precompiled with other macros, and -Winvalid-pch with -Werror makes
# that a build error, not a silent slow-down): LIBS are what they all link.
function(hermes_test_group group)
  cmake_parse_arguments(arg "" "" "LIBS" ${ARGN})
  set(anchor ${CMAKE_CURRENT_BINARY_DIR}/${group}_pch.cpp)
  file(CONFIGURE OUTPUT ${anchor} CONTENT "// The precompiled header of the ${group} tests.\n")
  add_library(${group}_pch OBJECT ${anchor})
  hermes_test_flags(${group}_pch)
  target_link_libraries(${group}_pch PRIVATE ${arg_LIBS})
  if(HERMES_PRECOMPILED_HEADERS)
    target_precompile_headers(${group}_pch PRIVATE ${HERMES_SHARED_HEADERS})
  endif()
endfunction()

# hermes_test_executable(<target> <source> <group>): one Boost.Test program.
function(hermes_test_executable target source group)
  add_executable(${target} ${source})
  hermes_test_flags(${target})
  if(HERMES_PRECOMPILED_HEADERS)
    target_precompile_headers(${target} REUSE_FROM ${group}_pch)
  endif()
endfunction()

function(hermes_test_flags target)
  target_link_libraries(${target} PRIVATE Boost::unit_test_framework hermes_warnings)
  target_compile_definitions(${target} PRIVATE BOOST_TEST_DYN_LINK)
  target_compile_options(${target} PRIVATE -O0)
endfunction()
