# Conan 2 recipe for Hermes: builds the same CMake targets as the Debian
# build (hermes_proto, hermes, hermesd, the tools, hermes-tui and the tests),
# with POCO, protobuf, Boost and ncurses from Conan Center instead of Debian's
# packages. See conan/README.md. CI does not run this: Conan is not among
# Debian's packages.
#
# The recipe lives in conan/ and the sources one level up, so layout() sets
# folders.root = ".." and export_sources() copies from the parent folder.

import os

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy

required_conan_version = ">=2.0.5"


class HermesConan(ConanFile):
    name = "hermes"
    version = "0.1.0"
    description = "LAN chat: hub daemon (hermesd) and terminal client (hermes-tui)"
    topics = ("chat", "protobuf", "poco", "ncurses")
    package_type = "application"

    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_tests": [True, False],  # HERMES_BUILD_TESTS: unit + integration tests
        "with_tui": [True, False],  # HERMES_BUILD_TUI: hermes-tui (needs ncurses)
        "werror": [True, False],  # HERMES_WERROR: warnings as errors on our targets
    }
    default_options = {
        "with_tests": True,
        "with_tui": True,
        # Newer compilers and Conan Center's newer POCO/Boost may warn where
        # Debian 12's do not; CI (Debian) keeps -Werror on.
        "werror": False,
        # POCO: Foundation, Net, Util, JSON (and XML, which Util uses) are what
        # Hermes links; Data/SQLite is kept for durable history. Everything
        # that would pull OpenSSL, MySQL, PostgreSQL or MongoDB is off.
        "poco/*:enable_net": True,
        "poco/*:enable_util": True,
        "poco/*:enable_json": True,
        "poco/*:enable_xml": True,
        "poco/*:enable_data": True,
        "poco/*:enable_data_sqlite": True,
        "poco/*:enable_crypto": False,
        "poco/*:enable_netssl": False,
        "poco/*:enable_jwt": False,
        "poco/*:enable_data_mysql": False,
        "poco/*:enable_data_postgresql": False,
        "poco/*:enable_data_odbc": False,
        "poco/*:enable_mongodb": False,
        "poco/*:enable_redis": False,
        "poco/*:enable_zip": False,
        "poco/*:enable_encodings": False,
        "poco/*:enable_activerecord": False,
        # The tests define BOOST_TEST_DYN_LINK (libhermes/tests/CMakeLists.txt),
        # which needs a shared Boost.Test library.
        "boost/*:shared": True,
        # hermes-tui uses the wide-character API (ncursesw).
        "ncurses/*:with_widec": True,
    }

    def layout(self):
        # conanfile.py is in conan/; the top-level CMakeLists.txt one level up.
        self.folders.root = ".."
        # Build trees land in build/conan/<BuildType>, beside the presets'
        # build/<preset> trees and never inside them.
        cmake_layout(self, build_folder="build/conan")

    def export_sources(self):
        # For `conan create`: copy the sources the build needs, not build/ or .git.
        root = os.path.join(self.recipe_folder, "..")
        for pattern in (
            "CMakeLists.txt",
            "cmake/*",
            "proto/*",
            "libhermes/*",
            "hermesd/*",
            "hermes-tui/*",
            "tools/*",
            "integration-tests/*",
            "etc/*",
            "docs/*",
        ):
            copy(self, pattern, root, self.export_sources_folder)

    def validate(self):
        # The code is C++20; build the dependencies with the same standard
        # (profile: compiler.cppstd=20, or -s compiler.cppstd=20).
        check_min_cppstd(self, 20)

    def requirements(self):
        # Version ranges: Conan Center drops old versions, so pin with a
        # lockfile (conan lock create) rather than here when you need
        # reproducible builds. protobuf is pinned to Debian 12's 3.21; POCO
        # stays below 1.14, closest to Debian 12's 1.11 that Conan Center has.
        self.requires("protobuf/3.21.12")
        self.requires("poco/[>=1.12 <1.14]")
        self.requires("boost/[>=1.74 <2]")
        # Durable history: libhermes links SQLite directly for its insert path.
        self.requires("sqlite3/[>=3.40 <4]")
        # Trust (docs/SECURITY.md): TLS through OpenSSL, password hashes
        # (Argon2id) through libsodium.
        self.requires("openssl/[>=3 <4]")
        self.requires("libsodium/[>=1.0.18 <2]")
        # The cluster's Redis backplane (docs/CLUSTER.md): hiredis's async API.
        self.requires("hiredis/[>=1.0 <2]")
        if self.options.with_tui:
            self.requires("ncurses/[>=6.2 <7]")

    def build_requirements(self):
        self.tool_requires("cmake/[>=3.25 <4]")

    def generate(self):
        deps = CMakeDeps(self)
        deps.generate()

        tc = CMakeToolchain(self)
        tc.cache_variables["HERMES_BUILD_TESTS"] = bool(self.options.with_tests)
        tc.cache_variables["HERMES_BUILD_TUI"] = bool(self.options.with_tui)
        tc.cache_variables["HERMES_WERROR"] = bool(self.options.werror)
        tc.cache_variables["HERMES_BUILD_FUZZ"] = False
        # Do not write CMakeUserPresets.json into the source tree (it would
        # sit beside the repository's CMakePresets.json as an untracked file).
        tc.user_presets_path = False
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        # Honours `-c tools.build:skip_test=True`. Runs in the "conanrun"
        # environment, so the shared Boost.Test library is found.
        if self.options.with_tests:
            cmake.test()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        # The hub's shipped configuration, every key with its default.
        copy(
            self,
            "*.properties",
            os.path.join(self.source_folder, "etc"),
            os.path.join(self.package_folder, "etc"),
        )
        copy(
            self,
            "PROTOCOL.md",
            os.path.join(self.source_folder, "docs"),
            os.path.join(self.package_folder, "share", "doc", "hermes"),
        )

    def package_info(self):
        # An application: consumers get bin/ (hermes-tui, the tools) and
        # sbin/ (hermesd) on their PATH, no headers or libraries.
        self.cpp_info.bindirs = ["bin", "sbin"]
        self.cpp_info.includedirs = []
        self.cpp_info.libdirs = []
