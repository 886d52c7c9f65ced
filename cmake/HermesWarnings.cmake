# Warning flags for Hermes's own targets (never for generated protobuf code).
add_library(hermes_warnings INTERFACE)
target_compile_options(hermes_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(HERMES_WERROR)
  target_compile_options(hermes_warnings INTERFACE -Werror)
endif()
