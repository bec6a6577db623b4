/* aoe-firmware start-up: multiboot (v1) entry in 32-bit protected mode, then long mode.
 *
 * The boot loader (QEMU -kernel, GRUB multiboot) enters _start32 with paging off, EAX =
 * 0x2BADB002 and EBX = the multiboot information (docs/metal.md, "Boot"). We
 *   1. read the TSC first (boot-to-advert time), keep EBX;
 *   2. zero .bss (page tables, stack, statics) ourselves: do not trust the loader with it;
 *   3. build page tables that identity-map the first 4 GiB with 2 MiB pages;
 *   4. enable PAE, EFER.LME, paging; load a 64-bit GDT; far-jump to 64-bit code;
 *   5. run the C++ constructors and call metal_main(mbi) with a 64 KiB stack.
 * No SSE is ever enabled (the C++ is built with -mgeneral-regs-only).
 */

#define MB_MAGIC 0x1BADB002
/* bit 0: modules page-aligned, bit 1: memory map, bit 16: the address fields below are valid
   (a.out kludge): the loader loads the flat file without reading it as ELF. */
#define MB_FLAGS 0x00010003

    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header          /* header_addr */
    .long __load_start       /* load_addr */
    .long __load_end         /* load_end_addr */
    .long __bss_end          /* bss_end_addr */
    .long _start32           /* entry_addr */

    .section .text.boot, "ax"
    .code32
    .globl _start32
_start32:
    cli
    mov %eax, %esi                 /* multiboot magic */
    rdtsc
    mov %eax, metal_boot_tsc
    mov %edx, metal_boot_tsc + 4
    mov %esi, metal_boot_magic
    mov %ebx, metal_boot_info

    /* zero .bss */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    cld
    rep stosb
    /* metal_boot_* live in .data: zeroing .bss keeps what was stored above */

    mov $boot_stack_top, %esp

    /* PML4[0] -> PDPT; PDPT[0..3] -> PD[0..3]; PD entries: 2 MiB pages, present | rw | PS */
    mov $metal_pdpt, %eax
    or $0x3, %eax
    mov %eax, metal_pml4
    mov $metal_pd, %eax
    or $0x3, %eax
    mov $metal_pdpt, %edi
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 1b
    mov $metal_pd, %edi
    xor %ebx, %ebx                 /* physical address of the page */
    xor %edx, %edx                 /* high dword of the address (4 GiB and above) */
    mov $2048, %ecx
2:  mov %ebx, %eax
    or $0x83, %eax
    mov %eax, (%edi)
    mov %edx, 4(%edi)
    add $0x200000, %ebx
    adc $0, %edx
    add $8, %edi
    loop 2b

    mov $metal_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax                 /* PAE */
    mov %eax, %cr4
    mov $0xC0000080, %ecx          /* EFER */
    rdmsr
    or $0x100, %eax                /* LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax           /* PG | PE */
    mov %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $start64

    .code64
start64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %rbp, %rbp
    /* C++ constructors (the image has few or none) */
    mov $__init_array_start, %rbx
3:  cmp $__init_array_end, %rbx
    jae 4f
    call *(%rbx)
    add $8, %rbx
    jmp 3b
4:  call metal_main
5:  cli
    hlt
    jmp 5b

/* Interrupt entries. Only IRQ 0 (the PIT, vector 32) is ever unmasked: it wakes the idle
   `hlt` of the poll loop (hal/metal/idle). Any other vector is a fault: report and stop. */
    .text
    .globl metal_timer_isr
metal_timer_isr:
    push %rax
    incq metal_ticks
    mov $0x20, %al
    out %al, $0x20                 /* EOI to the master PIC */
    pop %rax
    iretq

.macro FAULT_NOERR n
    .globl metal_fault_\n
metal_fault_\n:
    pushq $0
    pushq $\n
    jmp fault_common
.endm
.macro FAULT_ERR n
    .globl metal_fault_\n
metal_fault_\n:
    pushq $\n
    jmp fault_common
.endm
FAULT_NOERR 0
FAULT_NOERR 1
FAULT_NOERR 2
FAULT_NOERR 3
FAULT_NOERR 4
FAULT_NOERR 5
FAULT_NOERR 6
FAULT_NOERR 7
FAULT_ERR 8
FAULT_NOERR 9
FAULT_ERR 10
FAULT_ERR 11
FAULT_ERR 12
FAULT_ERR 13
FAULT_ERR 14
FAULT_NOERR 15
FAULT_NOERR 16
FAULT_ERR 17
FAULT_NOERR 18
FAULT_NOERR 19
FAULT_NOERR 20
FAULT_NOERR 255
fault_common:
    mov %rsp, %rdi                 /* -> vector, error code, rip, cs, rflags, ... */
    and $-16, %rsp
    call metal_fault
6:  cli
    hlt
    jmp 6b

    .section .rodata
    .align 16
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF       /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF       /* 0x10: data */
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt

    .data
    .align 8
    .globl metal_boot_tsc, metal_boot_magic, metal_boot_info
metal_boot_tsc:   .quad 0
metal_boot_magic: .long 0
metal_boot_info:  .long 0

    .section .bss.pagetables, "aw", @nobits
    .align 4096
    .globl metal_pml4
metal_pml4: .skip 4096
metal_pdpt: .skip 4096
metal_pd:   .skip 4096 * 4
    .align 16
boot_stack: .skip 65536
boot_stack_top:
    .globl metal_ticks
    .align 8
metal_ticks: .skip 8
