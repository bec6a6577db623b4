# Bare-metal x86_64 (hal/metal/, aoe-firmware): no OS, no libc, no libstdc++ under the program.
# The host's GCC compiles freestanding code; the image is linked by hal/metal/linker.ld alone.
#   -ffreestanding -nostdlib       nothing from the C or C++ runtime, no crt files
#   -mno-red-zone                  interrupt and exception entries push onto the running stack
#   -mgeneral-regs-only            no SSE/MMX/x87 anywhere: the boot path never enables them
#   -mcmodel=kernel is not needed: the image runs identity-mapped at 1 MiB (small model, no PIC)
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_CXX_COMPILER g++)
set(CMAKE_ASM_COMPILER gcc)
# try_compile cannot link a program without a start-up file and a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(AOE_METAL_FLAGS "-m64 -ffreestanding -fno-exceptions -fno-rtti -fno-stack-protector \
-fno-threadsafe-statics -fno-asynchronous-unwind-tables -fno-pic -fno-pie -mno-red-zone \
-mgeneral-regs-only -fno-builtin-malloc")
set(CMAKE_CXX_FLAGS_INIT "${AOE_METAL_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "-m64 -fno-pic")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack")
