{
  "variables": {
    "sanitize%": 0
  },
  "targets": [
    {
      "target_name": "npurun_hal",
      "sources": [
        "native/core/hal_error.cc",
        "native/core/backend.cc",
        "native/core/elf_check.cc",
        "native/wire/channel.cc",
        "native/sim/address_space.cc",
        "native/sim/device_process.cc",
        "native/sim/fault_report.cc",
        "native/sim/sim_backend.cc",
        "native/cann/cann_backend.cc",
        "native/cann/vendor_loader.cc",
        "native/cann/vendor_error.cc",
        "native/cann/device_context.cc",
        "native/cann/elf_exports.cc",
        "native/cann/aicpu_staging.cc",
        "native/binding/args.cc",
        "native/binding/stream_waiter.cc",
        "native/binding/addon.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native",
        "include"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
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
        "native/core/hal_error.cc",
        "native/core/elf_check.cc",
        "native/wire/channel.cc",
        "native/device/core_pool.cc",
        "native/device/device_memory.cc",
        "native/device/device_server.cc",
        "native/device/device_stream.cc",
        "native/device/elf_image.cc",
        "native/device/fault_handler.cc",
        "native/device/main.cc"
      ],
      "include_dirs": ["native", "include"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
