// pngshim: the only code that calls libpng. Every libpng call runs inside a C function that owns the
// `setjmp(png_jmpbuf(...))`, so libpng errors come back as status codes plus a message, never as a longjmp through
// Swift frames or an abort(). Swift wraps these functions in `PNG` (Sources/Imaging/PNG.swift).
#ifndef FRACTALAD_PNGSHIM_H
#define FRACTALAD_PNGSHIM_H

#include <stddef.h>
#include <stdint.h>

/// Largest accepted width or height (`png_set_user_limits`); larger headers fail with PNGSHIM_TOO_LARGE.
#define PNGSHIM_MAX_DIMENSION 16384u
/// Largest accepted decoded size in bytes (width × height × channels).
#define PNGSHIM_MAX_DECODED_BYTES ((size_t)1 << 30)

/// Outcome of a shim call. Every value except PNGSHIM_OK comes with a message.
typedef enum pngshim_status {
    PNGSHIM_OK = 0,
    PNGSHIM_OPEN_FAILED = 1,      ///< fopen failed; `os_error` holds errno
    PNGSHIM_NOT_PNG = 2,          ///< empty, or the 8-byte PNG signature is wrong
    PNGSHIM_TRUNCATED = 3,        ///< the data ended before the image (or IEND) was complete
    PNGSHIM_CHECKSUM = 4,         ///< a critical chunk failed its CRC
    PNGSHIM_CORRUPT = 5,          ///< any other libpng error: zlib stream errors, invalid chunks, bad IHDR
    PNGSHIM_TOO_LARGE = 6,        ///< above PNGSHIM_MAX_DIMENSION or PNGSHIM_MAX_DECODED_BYTES
    PNGSHIM_OUT_OF_MEMORY = 7,
    PNGSHIM_IO_FAILED = 8,        ///< a read or write system call failed; `os_error` holds errno
    PNGSHIM_INVALID_ARGUMENT = 9, ///< a caller error (size, channel count, level)
} pngshim_status;

/// Row filtering for writing.
typedef enum pngshim_filter {
    PNGSHIM_FILTER_AUTO = 0,     ///< none for compression level ≤ 2, adaptive otherwise
    PNGSHIM_FILTER_NONE = 1,     ///< PNG_FILTER_NONE on every row
    PNGSHIM_FILTER_ADAPTIVE = 2, ///< libpng's per-row choice among all five filters
} pngshim_filter;

/// A decoded image: 8-bit samples, `channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) interleaved, rows top to bottom
/// with no padding. `pixels` is malloc'ed by the shim; release it with `pngshim_free`.
typedef struct pngshim_image {
    uint8_t *pixels;
    uint32_t width;
    uint32_t height;
    int channels;
} pngshim_image;

/// Error details filled in by every call that fails.
typedef struct pngshim_error {
    int os_error;          ///< errno for PNGSHIM_OPEN_FAILED / PNGSHIM_IO_FAILED, else 0
    char message[256];     ///< libpng's message or the shim's own, NUL-terminated
} pngshim_error;

/// Decodes the PNG file at `path`. Any bit depth and colour type is normalised to 8-bit samples: palettes expand to
/// RGB (RGBA with tRNS), gray below 8 bits expands to 8, 16-bit samples keep their high byte (as PIL does),
/// tRNS becomes an alpha channel, interlaced images are de-interlaced.
pngshim_status pngshim_read_file(const char *path, pngshim_image *image, pngshim_error *error);

/// Decodes a PNG held in memory, with the same normalisation as `pngshim_read_file`.
pngshim_status pngshim_read_memory(const uint8_t *data, size_t size, pngshim_image *image, pngshim_error *error);

/// Releases pixels returned by a read.
void pngshim_free(uint8_t *pixels);

/// Encodes 8-bit interleaved samples (`channels` 1–4, rows `row_stride` bytes apart) to a new file at `path`
/// (created or truncated). `level` is the zlib level 0–9. On failure the file may be partial; the caller removes it.
pngshim_status pngshim_write_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                                  int channels, size_t row_stride, int level, pngshim_filter filter,
                                  pngshim_error *error);

#endif
