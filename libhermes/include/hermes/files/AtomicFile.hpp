#pragma once
// Writing a small file whole, for files others must not read or see half
// written: a hub's TLS key and certificate, hermes-tui's config (which may
// hold passwords).
//
// Threading: a free function; concurrent writers of one path race.

#include <sys/types.h>

#include <string>

namespace hermes::files {

// Writes `text` to `path` through `path`.tmp, created by open() with `mode`
// (so a secret is never readable by others, even for an instant; a leftover
// .tmp is removed first), synced, then renamed over `path`. Throws
// std::system_error naming the file.
void writeFileAtomically(const std::string& path, const std::string& text, mode_t mode);

}  // namespace hermes::files
