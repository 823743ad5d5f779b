// Start of the firmware on the emulated MPS2 boards: the vector table, the
// reset handler (copies .data, clears .bss, enables the FPU, calls main) and
// the fault handlers, which report and stop QEMU with status 3.
#include <stdint.h>
#include <string.h>

#include "hal.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SCB_VTOR REG(0xe000ed08)
#define SCB_SHCSR REG(0xe000ed24)
#define SCB_CPACR REG(0xe000ed88)

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

static void fault(const char *what) {
    // Reached only on a firmware bug: say so and stop QEMU with status 3.
    static const char msg[] = "\r\nFATAL: ";
    hal_uart_tx(msg, sizeof(msg) - 1);
    hal_uart_tx(what, strlen(what));
    hal_uart_tx("\r\n", 2);
    hal_exit(3);
}

void HardFault_Handler(void) {
    fault("hard fault");
}

void MemManage_Handler(void) {
    fault("memory management fault");
}

void BusFault_Handler(void) {
    fault("bus fault");
}

void UsageFault_Handler(void) {
    fault("usage fault");
}

void Default_Handler(void) {
    fault("unexpected interrupt");
}

typedef void (*handler_t)(void);
extern const handler_t vectors[16 + 32];

void Reset_Handler(void) {
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0;
    }
    #if defined(__ARM_FP)
    SCB_CPACR |= 0xfu << 20; // full access to CP10 and CP11 (the FPU)
    __asm__ volatile ("dsb\n isb");
    #endif
    SCB_VTOR = (uint32_t)vectors;
    SCB_SHCSR |= 7u << 16; // separate MemManage, BusFault, UsageFault
    main();
    hal_exit(0);
}

__attribute__((section(".vectors"), used))
const handler_t vectors[16 + 32] = {
    (handler_t)&_estack,
    Reset_Handler,
    Default_Handler, // NMI
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    Default_Handler, // SVCall
    Default_Handler, // debug monitor
    0,
    Default_Handler, // PendSV
    SysTick_Handler,
    [16 + UART0_RX_IRQ] = UART0_RX_Handler,
    [16 + UART0_RX_IRQ + 1 ... 16 + 31] = Default_Handler,
};

