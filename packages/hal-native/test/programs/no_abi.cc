// A shared object that is not a device program (no npurun_device_abi_version export).
extern "C" int plain_function() { return 1; }
