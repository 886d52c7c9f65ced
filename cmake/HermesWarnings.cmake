# Warning flags for Hermes's own targets (never for generated protobuf code).
add_library(hermes_warnings INTERFACE)
target_compile_options(hermes_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(HERMES_WERROR)
  target_compile_options(hermes_warnings INTERFACE -Werror)
endif()
# GCC 12 reports `"literal" + std::string` as an overlapping memcpy once it
# inlines enough (-O3, as in CMAKE_BUILD_TYPE=Release): a false positive, GCC
# bug 105329, fixed in GCC 13. Without this a Release build fails under -Werror.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(hermes_warnings INTERFACE -Wno-restrict)
endif()
