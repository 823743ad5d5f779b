// The C cores (lib/emlearn) on fixed inputs, every result printed as float32
// bits: built for the host (gcc) and for the ESP32 (tools/llvm-xtensa, run on
// QEMU's de233_fpu core), the two outputs must be identical
// (tests/test_xtensa.py). On the emulated core it also prints the cycle
// counts (CCOUNT) of one FFT-1024 and of a calibration loop.
#include <stdint.h>

#include "eml_fft.h"
#include "eml_iir.h"

#ifdef __xtensa__
// simcall 4: write(fd, buf, n); the instruction is written as bytes.
static void out(const char *s, int n) {
    register int a2 __asm__("a2") = 4;
    register int a3 __asm__("a3") = 1;
    register const char *a4 __asm__("a4") = s;
    register int a5 __asm__("a5") = n;
    __asm__ volatile (".byte 0x00, 0x51, 0x00" : "+r" (a2) : "r" (a3), "r" (a4), "r" (a5) : "memory");
}

static uint32_t cycles(void) {
    uint32_t c;
    __asm__ volatile ("rsr %0, ccount" : "=r" (c));
    return c;
}

// 2 * n instructions (addi, bnez), for relating CCOUNT to instructions.
static void spin(int n) {
    __asm__ volatile ("1: addi %0, %0, -1\n bnez %0, 1b" : "+r" (n));
}

// clang may turn loops into calls to these; a bare-metal program has no libc.
void *memset(void *dest, int c, unsigned n);
void *memcpy(void *dest, const void *src, unsigned n);
void *memset(void *dest, int c, unsigned n) {
    volatile unsigned char *d = dest;
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dest;
}
void *memcpy(void *dest, const void *src, unsigned n) {
    volatile unsigned char *d = dest;
    const unsigned char *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dest;
}
#else
#include <stdio.h>
static void out(const char *s, int n) {
    fwrite(s, 1, n, stdout);
}
#endif

static void put_word(const char *tag, uint32_t v) {
    char line[32];
    int n = 0;
    while (*tag) {
        line[n++] = *tag++;
    }
    line[n++] = ' ';
    for (int shift = 28; shift >= 0; shift -= 4) {
        line[n++] = "0123456789abcdef"[(v >> shift) & 15];
    }
    line[n++] = '\n';
    out(line, n);
}

static void put_floats(const char *tag, const float *x, int n) {
    for (int i = 0; i < n; i++) {
        union { float f; uint32_t u; } bits = { x[i] };
        put_word(tag, bits.u);
    }
}

// Uniform values in [-1, 1) from a linear congruential generator: exact in
// float32 (an int32 times 2**-31), the same on every machine.
static uint32_t lcg_state = 12345u;
static float lcg_next(void) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (float)(int32_t)lcg_state * 4.656612873077393e-10f;
}

#define N_FFT 1024
static float twiddles[N_FFT];
static float signal[N_FFT], spectrum_re[N_FFT / 2 + 1], spectrum_im[N_FFT / 2 + 1];
static float cre[256], cim[256];
static float samples[300], iir_states[4];

static int test_fft(void) {
    EmlFFT fft;
    if (eml_fft_init(&fft, N_FFT, twiddles) != EmlOk) {
        return 1;
    }
    for (int i = 0; i < N_FFT; i++) {
        signal[i] = lcg_next();
    }
    eml_fft_rfft(&fft, signal, spectrum_re, spectrum_im);
    #ifdef __xtensa__
    uint32_t t0 = cycles();
    for (int i = 0; i < 100; i++) {
        eml_fft_rfft(&fft, signal, spectrum_re, spectrum_im);
    }
    put_word("cycles_100_rfft1024", cycles() - t0);
    #endif
    put_floats("rfft_re", spectrum_re, N_FFT / 2 + 1);
    put_floats("rfft_im", spectrum_im, N_FFT / 2 + 1);

    EmlFFT small;
    if (eml_fft_init(&small, 256, twiddles) != EmlOk) {
        return 1;
    }
    for (int i = 0; i < 256; i++) {
        cre[i] = lcg_next();
        cim[i] = lcg_next();
    }
    eml_fft_forward(&small, cre, cim);
    put_floats("fft_re", cre, 256);
    put_floats("fft_im", cim, 256);
    return 0;
}

static int test_iir(void) {
    // Two stages of a low-pass (scipy.signal.butter(4, 0.2, output='sos')).
    static const float sos[12] = {
        0.004824343f, 0.009648686f, 0.004824343f, 1.0f, -1.0485995f, 0.29614037f,
        1.0f, 2.0f, 1.0f, 1.0f, -1.3209134f, 0.6327388f,
    };
    EmlIIR filter;
    if (eml_iir_init(&filter, 2, sos, iir_states) != EmlOk) {
        return 1;
    }
    for (int i = 0; i < 300; i++) {
        samples[i] = lcg_next();
    }
    eml_iir_run(&filter, samples, 100);
    eml_iir_run(&filter, samples + 100, 200);
    put_floats("iir", samples, 300);
    return 0;
}

// Deep calls (window overflow and underflow: 32 registers hold 4 call8
// frames on de233_fpu) and division by constants (mulsh/muluh on the ESP32,
// emulated on de233_fpu).
__attribute__((noinline)) static int32_t nest(int32_t x, int depth) {
    if (depth == 0) {
        return x / 7 + (int32_t)((uint32_t)x / 10u);
    }
    int32_t a = x / 3, b = x % 1000;
    return nest(a * 5 - b, depth - 1) + a / 9 - b;
}

static void test_calls(void) {
    int32_t x = -2000000011;
    for (int i = 0; i < 40; i++) {
        x = nest(x ^ (int32_t)(lcg_state = lcg_state * 1664525u + 1013904223u), i % 23);
        put_word("nest", (uint32_t)x);
    }
}

int main(void) {
    int status = test_fft() | test_iir();
    test_calls();
    #ifdef __xtensa__
    uint32_t t0 = cycles();
    spin(100000);
    put_word("cycles_spin200000", cycles() - t0);
    #endif
    put_word("status", (uint32_t)status);
    return status;
}
