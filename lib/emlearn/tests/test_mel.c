// Host tests of eml_mel.h: the filterbank
// against librosa's formulas in double, frames against a double-precision
// DFT reference, chunked feeding against one-shot, and the config checks.
#include <math.h>
#include <string.h>
#include "eml_mel.h"
#include "eml_test.h"

#define NMAX 2048
#define MELS_MAX 128
static float twiddles[NMAX], samples[NMAX], spectrum[NMAX + 2], ramps[NMAX / 2 + 1], scales[MELS_MAX];
static uint16_t bands[MELS_MAX + 2];
static float signal[4 * NMAX], out1[64 * MELS_MAX], out2[64 * MELS_MAX];
static const double PI = 3.14159265358979323846;

// librosa.hz_to_mel / mel_to_hz in double.
static double hz_to_mel(double f, int htk) {
    if (htk) {
        return 2595.0 * log10(1.0 + f / 700.0);
    }
    return f < 1000.0 ? f / (200.0 / 3.0) : 15.0 + log(f / 1000.0) / (log(6.4) / 27.0);
}
static double mel_to_hz(double m, int htk) {
    if (htk) {
        return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
    }
    return m < 15.0 ? m * 200.0 / 3.0 : 1000.0 * exp(log(6.4) / 27.0 * (m - 15.0));
}

// The weight of filter m at bin k as eml_mel_frame applies it.
static double weight(const EmlMel *mel, int m, int k) {
    const uint16_t *b = mel->bands;
    const double scale = mel->scales ? mel->scales[m] : 1.0;
    if (k >= b[m] && k < b[m + 1]) {
        return mel->ramps[k] * scale;
    }
    if (k >= b[m + 1] && k < b[m + 2]) {
        return (1.0f - mel->ramps[k]) * scale;
    }
    return 0.0;
}

// Largest difference of the weights from librosa.filters.mel's formulas.
static double filterbank_error(const EmlMel *mel) {
    const EmlMelConfig *c = &mel->config;
    double worst = 0.0, edges[MELS_MAX + 2];
    const double lo = hz_to_mel(c->fmin, c->htk), hi = hz_to_mel(c->fmax, c->htk);
    for (int i = 0; i < c->n_mels + 2; i++) {
        edges[i] = mel_to_hz(lo + (hi - lo) * i / (c->n_mels + 1), c->htk);
    }
    for (int m = 0; m < c->n_mels; m++) {
        const double scale = c->slaney_norm ? 2.0 / (edges[m + 2] - edges[m]) : 1.0;
        for (int k = 0; k < mel->n_bins; k++) {
            const double hz = (double)k * c->sr / c->n_fft;
            const double lower = (hz - edges[m]) / (edges[m + 1] - edges[m]);
            const double upper = (edges[m + 2] - hz) / (edges[m + 2] - edges[m + 1]);
            const double ref = fmax(0.0, fmin(lower, upper)) * scale;
            worst = fmax(worst, fabs(weight(mel, m, k) - ref) / scale);
        }
    }
    return worst;
}

static EmlMelConfig config(float sr, int n_fft, int n_mels, int htk, int norm) {
    EmlMelConfig c = {sr, n_fft, n_fft / 2, n_mels, 0.0f, sr / 2, htk, norm, 0, 1};
    return c;
}

static EmlError init(EmlMel *mel, const EmlMelConfig *c) {
    return eml_mel_init(mel, c, twiddles, samples, spectrum, bands, ramps, scales);
}

static void make(EmlMel *mel, const EmlMelConfig *c) {
    CHECK(init(mel, c) == EmlOk);
}

static unsigned rng = 777u;
static float uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

// dB of frame 0 of `signal` by a double DFT + the double filterbank.
static double frame_error(EmlMel *mel) {
    const EmlMelConfig *c = &mel->config;
    const int n = c->n_fft;
    double power[NMAX / 2 + 1];
    for (int k = 0; k <= n / 2; k++) {
        double sr_ = 0, si = 0;
        for (int j = 0; j < n; j++) {
            const double x = signal[j] * (0.5 - 0.5 * cos(2 * PI * j / n));
            sr_ += x * cos(2 * PI * (double)((long)j * k % n) / n);
            si -= x * sin(2 * PI * (double)((long)j * k % n) / n);
        }
        power[k] = sr_ * sr_ + si * si;
    }
    float out[MELS_MAX];
    eml_mel_reset(mel);
    CHECK(eml_mel_push(mel, signal, NULL, n, out) == 1);
    double worst = 0.0, top = -1e9, db[MELS_MAX];
    for (int m = 0; m < c->n_mels; m++) {
        double s = 0.0;
        for (int k = 0; k <= n / 2; k++) {
            s += power[k] * weight(mel, m, k);
        }
        db[m] = 10.0 * log10(fmax(s, 1e-10));
        top = fmax(top, db[m]);
    }
    for (int m = 0; m < c->n_mels; m++) {
        if (db[m] > top - 80.0) {
            worst = fmax(worst, fabs(out[m] - db[m]));
        }
    }
    return worst;
}

static void check_frames(void) {
    const int ffts[] = {256, 512, 1024, 2048}, mels[] = {16, 40, 128, 64};
    const float rates[] = {8000.0f, 16000.0f, 22050.0f, 44100.0f};
    for (int i = 0; i < 4 * NMAX; i++) {
        signal[i] = 0.3f * uniform() + 0.5f * (float)sin(0.05 * i + 1e-5 * i * i);
    }
    for (int a = 0; a < 4; a++) {
        for (int v = 0; v < 4; v++) {
            EmlMelConfig c = config(rates[a], ffts[(a + v) % 4], mels[v], v & 1, v >> 1 & 1);
            EmlMel mel;
            if (init(&mel, &c) != EmlOk) {
                CHECK(eml_mel_empty_filter(&mel) >= 0);
                continue;
            }
            const double wf = filterbank_error(&mel), fe = frame_error(&mel);
            CHECK(wf < 1e-4 && fe < 0.002);
            if (a == 0) {
                printf("sr %g n_fft %d n_mels %d htk %d norm %d: weights %.2g, frame %.2g dB\n",
                       c.sr, c.n_fft, c.n_mels, c.htk, c.slaney_norm, wf, fe);
            }
        }
    }
}

static void check_chunks(void) {
    const int hops[] = {1, 100, 256, 512, 700};
    for (int h = 0; h < 5; h++) {
        EmlMelConfig c = config(16000.0f, 512, 40, 0, 1);
        c.hop = hops[h];
        c.magnitude = h & 1;
        EmlMel mel;
        make(&mel, &c);
        const int n = h == 0 ? 600 : 4 * NMAX;
        const int f1 = eml_mel_frames(&mel, n);
        CHECK(f1 * c.n_mels <= 64 * MELS_MAX);
        CHECK(eml_mel_push(&mel, signal, NULL, n, out1) == f1);
        CHECK(f1 == (n - 512) / c.hop + 1);
        eml_mel_reset(&mel);
        int done = 0, frames = 0;
        while (done < n) {
            int len = 1 + (int)((uniform() + 1.0f) * 300.0f);
            len = len > n - done ? n - done : len;
            const int expect = eml_mel_frames(&mel, len);
            CHECK(eml_mel_push(&mel, signal + done, NULL, len, out2 + frames * c.n_mels) == expect);
            frames += expect;
            done += len;
        }
        CHECK(frames == f1 && memcmp(out1, out2, sizeof(float) * f1 * c.n_mels) == 0);
    }
}

static void check_pcm(void) {
    EmlMelConfig c = config(8000.0f, 64, 8, 1, 0);
    EmlMel mel;
    make(&mel, &c);
    int16_t pcm[64];
    for (int i = 0; i < 64; i++) {
        pcm[i] = (int16_t)(uniform() * 32767.0f);
        signal[i] = pcm[i] / 32768.0f;
    }
    CHECK(eml_mel_push(&mel, signal, NULL, 64, out1) == 1);
    eml_mel_reset(&mel);
    CHECK(eml_mel_push(&mel, NULL, pcm, 64, out2) == 1);
    CHECK(memcmp(out1, out2, sizeof(float) * 8) == 0);
}

static void check_config(void) {
    EmlMel mel;
    EmlMelConfig c = config(16000.0f, 500, 40, 0, 1);
    CHECK(init(&mel, &c) == EmlUnsupported);
    c = config(16000.0f, 8192, 40, 0, 1);
    CHECK(init(&mel, &c) == EmlUnsupported);
    c = config(16000.0f, 512, 40, 0, 1);
    c.fmax = 8001.0f;
    CHECK(init(&mel, &c) == EmlOutOfRange);
    c.fmax = 100.0f;
    c.fmin = 100.0f;
    CHECK(init(&mel, &c) == EmlOutOfRange);
    c = config(16000.0f, 256, 128, 1, 1);
    CHECK(init(&mel, &c) == EmlSizeMismatch && eml_mel_empty_filter(&mel) >= 0);
    c = config(16000.0f, 512, 40, 0, 1);
    CHECK(init(&mel, &c) == EmlOk && eml_mel_empty_filter(&mel) == -1);
    c.slaney_norm = 1;
    CHECK(eml_mel_init(&mel, &c, twiddles, samples, spectrum, bands, ramps, NULL) == EmlBadArgument);
}

int main(void) {
    check_frames();
    check_chunks();
    check_pcm();
    check_config();
    TEST_DONE("test_mel");
    return 0;
}
