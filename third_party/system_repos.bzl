"""Repositories that expose Debian's system packages to Bazel, fully offline.

Every dependency of spikeserve comes from Debian (see tools/setup.sh). These
rules find the installed libraries and tools on the host and wrap them as Bazel
targets, so no archive is ever downloaded.
"""

# Each entry: target name -> pkg-config modules (or raw linker flags when the
# package ships no .pc file).
_PKG_CONFIG_LIBS = {
    "absl": [
        "absl_base",
        "absl_cord",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_hash",
        "absl_random_random",
        "absl_raw_hash_set",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
    ],
    "grpcpp": ["grpc++"],
    "protobuf": ["protobuf"],
    "hdf5": ["hdf5"],
}

def _pkg_config(rctx, modules):
    result = rctx.execute(["pkg-config", "--cflags", "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config cannot find %s; run tools/setup.sh first.\n%s" %
             (" ".join(modules), result.stderr))
    return [flag for flag in result.stdout.strip().split(" ") if flag]

def _system_libs_impl(rctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, modules in _PKG_CONFIG_LIBS.items():
        flags = _pkg_config(rctx, modules)
        linkopts = [f for f in flags if f.startswith("-l") or f.startswith("-L") or f.startswith("-Wl") or f == "-pthread"]
        include_dirs = [f[2:] for f in flags if f.startswith("-I")]
        hdrs = []
        includes = []

        # Headers outside the compiler's built-in search path (HDF5 lives in
        # /usr/include/hdf5/serial) are symlinked into the repository so the
        # sandbox sees them as declared inputs.
        for i, directory in enumerate(include_dirs):
            if directory in ["/usr/include", "/usr/local/include"]:
                continue
            local = "%s_include_%d" % (name, i)
            rctx.symlink(directory, local)
            hdrs.append('glob(["%s/**/*.h"])' % local)
            includes.append('"%s"' % local)
        build.append("cc_library(")
        build.append('    name = "%s",' % name)
        if hdrs:
            build.append("    hdrs = %s," % " + ".join(hdrs))
            build.append("    includes = [%s]," % ", ".join(includes))
        build.append("    linkopts = %s," % repr(linkopts + ["-pthread"]))
        build.append(")")
        build.append("")

    # Debian ships gRPC's reflection library without a .pc file.
    build.append("""cc_library(
    name = "grpcpp_reflection",
    linkopts = ["-Wl,--no-as-needed", "-lgrpc++_reflection", "-Wl,--as-needed"],
    deps = [":grpcpp"],
)

# Debian's GoogleTest is static-only and needs -pthread.
cc_library(
    name = "gtest",
    linkopts = ["-lgmock", "-lgtest", "-pthread"],
)

cc_library(
    name = "gtest_main",
    linkopts = ["-lgmock", "-lgtest_main", "-lgtest", "-pthread"],
)
""")

    # grpc.health.v1 and server reflection, for clients and tests that check
    # a server's health or explore its API generically.
    for name, path in [
        ("health_proto", "grpc/health/v1/health.proto"),
        ("reflection_proto", "grpc/reflection/v1alpha/reflection.proto"),
    ]:
        rctx.symlink("/usr/share/grpc-proto/" + path, path)
        build.append("""proto_library(
    name = "%s",
    srcs = ["%s"],
)
""" % (name, path))
    rctx.file("BUILD", "\n".join(build))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    doc = "C/C++ libraries installed by Debian, found with pkg-config.",
)

_WELL_KNOWN_TYPES = [
    "any",
    "api",
    "descriptor",
    "duration",
    "empty",
    "field_mask",
    "source_context",
    "struct",
    "timestamp",
    "type",
    "wrappers",
]

# Imports between the well-known types.
_WKT_DEPS = {
    "api": '["source_context_proto", "type_proto"]',
    "type": '["any_proto", "source_context_proto"]',
}

def _find_tool(rctx, name):
    path = rctx.which(name)
    if path == None:
        fail("%s not found on PATH; run tools/setup.sh first." % name)
    return path

def _system_protobuf_impl(rctx):
    rctx.symlink(_find_tool(rctx, "protoc"), "protoc")
    rctx.symlink(_find_tool(rctx, "grpc_cpp_plugin"), "grpc_cpp_plugin")
    rctx.symlink(_find_tool(rctx, "grpc_python_plugin"), "grpc_python_plugin")
    build = [
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["protoc", "grpc_cpp_plugin", "grpc_python_plugin"])',
        "",
        "cc_library(",
        '    name = "protobuf",',
        '    linkopts = ["-lprotobuf", "-pthread"],',
        ")",
        "",
    ]
    for wkt in _WELL_KNOWN_TYPES:
        rctx.symlink(
            "/usr/include/google/protobuf/%s.proto" % wkt,
            "google/protobuf/%s.proto" % wkt,
        )
        deps = _WKT_DEPS.get(wkt, "[]")
        build.append("proto_library(")
        build.append('    name = "%s_proto",' % wkt)
        build.append('    srcs = ["google/protobuf/%s.proto"],' % wkt)
        build.append("    deps = %s," % deps)
        build.append(")")
        build.append("")

    # The C++ code of the well-known types is already in libprotobuf, so
    # cc_proto_library must not generate it again.
    build.append("proto_lang_toolchain(")
    build.append('    name = "cc_toolchain",')
    build.append('    command_line = "--cpp_out=$(OUT)",')
    build.append('    runtime = ":protobuf",')
    build.append("    blacklisted_protos = [%s]," % ", ".join(['":%s_proto"' % w for w in _WELL_KNOWN_TYPES]))
    build.append(")")
    rctx.file("BUILD", "\n".join(build) + "\n")
    rctx.file("WORKSPACE", 'workspace(name = "com_google_protobuf")\n')

system_protobuf = repository_rule(
    implementation = _system_protobuf_impl,
    local = True,
    doc = "Debian's protoc, gRPC plugins and protobuf runtime as @com_google_protobuf.",
)
