"""C++ and Python gRPC code generation with Debian's protoc and plugins.

Reads ProtoInfo from proto_library targets and runs protoc once per rule over
the transitive import paths, so protos may import across packages.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

def _import_path(src, proto_info):
    root = proto_info.proto_source_root
    path = src.path
    if root and root != "." and path.startswith(root + "/"):
        return path[len(root) + 1:]
    if src.owner.workspace_root and path.startswith(src.owner.workspace_root + "/"):
        return path[len(src.owner.workspace_root) + 1:]
    return src.short_path

def _run_protoc(ctx, plugin_flags, outputs, tools):
    proto_info = ctx.attr.proto[ProtoInfo]
    args = ctx.actions.args()
    args.add_all(plugin_flags)
    args.add_all(proto_info.transitive_proto_path, format_each = "--proto_path=%s")
    args.add("--proto_path=.")
    args.add_all([_import_path(src, proto_info) for src in proto_info.direct_sources])
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = proto_info.transitive_sources,
        tools = tools,
        outputs = outputs,
        mnemonic = "GrpcCodegen",
        progress_message = "Generating gRPC code for %s" % ctx.label,
    )

def _outputs(ctx, suffixes):
    proto_info = ctx.attr.proto[ProtoInfo]
    outputs = []
    for src in proto_info.direct_sources:
        base = _import_path(src, proto_info)[:-len(".proto")]
        for suffix in suffixes:
            outputs.append(ctx.actions.declare_file(ctx.attr.name + "/" + base + suffix))
    return outputs

def _out_dir(ctx):
    # Generated files sit under a directory named after the rule, at their
    # import path, so that they are included exactly as the .proto is imported
    # ("spikeserve/v1/simulator.grpc.pb.h") whatever strip_import_prefix did.
    parts = [ctx.bin_dir.path]
    if ctx.label.workspace_root:
        parts.append(ctx.label.workspace_root)
    if ctx.label.package:
        parts.append(ctx.label.package)
    parts.append(ctx.attr.name)
    return "/".join(parts)

def _cc_grpc_codegen_impl(ctx):
    outputs = _outputs(ctx, [".grpc.pb.h", ".grpc.pb.cc"])
    out_dir = _out_dir(ctx)
    _run_protoc(
        ctx,
        [
            "--plugin=protoc-gen-grpc=" + ctx.executable._plugin.path,
            "--grpc_out=" + out_dir,
        ],
        outputs,
        [ctx.executable._plugin],
    )
    return [DefaultInfo(files = depset(outputs))]

_cc_grpc_codegen = rule(
    implementation = _cc_grpc_codegen_impl,
    attrs = {
        "proto": attr.label(providers = [ProtoInfo], mandatory = True),
        "_protoc": attr.label(default = "@com_google_protobuf//:protoc", executable = True, cfg = "exec", allow_single_file = True),
        "_plugin": attr.label(default = "@com_google_protobuf//:grpc_cpp_plugin", executable = True, cfg = "exec", allow_single_file = True),
    },
)

def cc_grpc_library(name, proto, cc_proto, **kwargs):
    """A cc_library with the gRPC service stubs of `proto`.

    Args:
      name: target name.
      proto: the proto_library holding the service.
      cc_proto: its cc_proto_library (the messages).
      **kwargs: passed to cc_library (visibility, ...).
    """
    _cc_grpc_codegen(name = name + "_codegen", proto = proto)
    cc_library(
        name = name,
        srcs = [":" + name + "_codegen"],
        hdrs = [":" + name + "_codegen"],
        strip_include_prefix = name + "_codegen",
        deps = [cc_proto, "@system_libs//:grpcpp"],
        **kwargs
    )

def _py_grpc_codegen_impl(ctx):
    outputs = _outputs(ctx, ["_pb2.py", "_pb2_grpc.py"])
    out_dir = _out_dir(ctx)
    _run_protoc(
        ctx,
        [
            "--python_out=" + out_dir,
            "--plugin=protoc-gen-grpc_python=" + ctx.executable._plugin.path,
            "--grpc_python_out=" + out_dir,
        ],
        outputs,
        [ctx.executable._plugin],
    )
    return [DefaultInfo(files = depset(outputs))]

_py_grpc_codegen = rule(
    implementation = _py_grpc_codegen_impl,
    attrs = {
        "proto": attr.label(providers = [ProtoInfo], mandatory = True),
        "_protoc": attr.label(default = "@com_google_protobuf//:protoc", executable = True, cfg = "exec", allow_single_file = True),
        "_plugin": attr.label(default = "@com_google_protobuf//:grpc_python_plugin", executable = True, cfg = "exec", allow_single_file = True),
    },
)

def py_grpc_library(name, proto, **kwargs):
    """A py_library with the message and service modules of `proto`, importable
    by their proto package path (e.g. `from spikeserve.v1 import simulator_pb2`)."""
    _py_grpc_codegen(name = name + "_codegen", proto = proto)
    native.py_library(
        name = name,
        srcs = [":" + name + "_codegen"],
        imports = [name + "_codegen"],
        **kwargs
    )
