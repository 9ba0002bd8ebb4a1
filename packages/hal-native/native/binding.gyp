{
  "variables": {
    "sanitize%": 0,
    "werror%": 0
  },
  "targets": [
    {
      "target_name": "npurun_hal",
      "sources": [
        "core/hal_error.cc",
        "core/backend.cc",
        "core/elf_check.cc",
        "wire/channel.cc",
        "sim/address_space.cc",
        "sim/device_process.cc",
        "sim/fault_report.cc",
        "sim/sim_backend.cc",
        "cann/cann_backend.cc",
        "cann/vendor_loader.cc",
        "cann/vendor_error.cc",
        "cann/device_context.cc",
        "cann/elf_exports.cc",
        "cann/aicpu_staging.cc",
        "export/row_format.cc",
        "binding/args.cc",
        "binding/format_rows.cc",
        "binding/stream_waiter.cc",
        "binding/addon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        ".",
        "../include"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["werror==1", {
          "cflags_cc": ["-Werror"]
        }],
        ["sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    },
    {
      "target_name": "npurun-device",
      "type": "executable",
      "sources": [
        "core/hal_error.cc",
        "core/elf_check.cc",
        "wire/channel.cc",
        "device/core_pool.cc",
        "device/device_memory.cc",
        "device/device_server.cc",
        "device/device_stream.cc",
        "device/elf_image.cc",
        "device/fault_handler.cc",
        "device/main.cc"
      ],
      "include_dirs": [".", "../include"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["werror==1", {
          "cflags_cc": ["-Werror"]
        }],
        ["sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
