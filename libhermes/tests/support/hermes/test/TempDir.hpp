#pragma once
// A fresh directory under $TMPDIR (or /tmp) for one test, removed with all it
// holds when the TempDir goes. Shared by the unit tests and the integration
// tests that need real files (SQLite databases, WAL files).
//
// Threading: a value; use it from one thread.

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace hermes::test {

class TempDir {
public:
    // `prefix` names the directory, e.g. "hermes-sqlite" -> /tmp/hermes-sqlite-Ab12Cd.
    explicit TempDir(const std::string& prefix = "hermes-test") {
        const std::string pattern =
            (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        if (::mkdtemp(buffer.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        path = buffer.data();
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The path of `name` inside the directory.
    std::string file(const std::string& name) const { return path + "/" + name; }

    std::string path;
};

}  // namespace hermes::test
