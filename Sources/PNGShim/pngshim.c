// libpng behind setjmp: see include/pngshim.h for the contract.
//
// Error handling: libpng reports a fatal error by calling our `on_error`, which records a status and the message in
// the call's `shim_state` and longjmps back to the `setjmp` of the function that created the png struct. The I/O
// callbacks set a more specific status (truncated data, a failed system call) before raising `png_error`, so the
// classification in `on_error` only applies to libpng's own errors. Pointers assigned after `setjmp` and freed on the
// error path are `volatile`.
#include "pngshim.h"

#include <png.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Per-call state shared by the error and I/O callbacks.
typedef struct shim_state {
    pngshim_status status;
    pngshim_error *error;
    FILE *file;               // the file read or written, or NULL for memory input
    const uint8_t *data;      // memory input
    size_t size;
    size_t offset;
    char limit_warning[128];  // libpng warns about a size limit, then fails with a generic "Invalid IHDR data"
} shim_state;

static pngshim_status fail(shim_state *state, pngshim_status status, int os_error, const char *message) {
    state->status = status;
    if (state->error) {
        state->error->os_error = os_error;
        snprintf(state->error->message, sizeof state->error->message, "%s", message);
    }
    return status;
}

static pngshim_status classify(const char *message) {
    if (strstr(message, "CRC")) return PNGSHIM_CHECKSUM;
    if (strstr(message, "exceeds user limit") || strstr(message, "too large")) return PNGSHIM_TOO_LARGE;
    if (strstr(message, "Insufficient memory") || strstr(message, "Out of memory")) return PNGSHIM_OUT_OF_MEMORY;
    return PNGSHIM_CORRUPT;
}

static void on_error(png_structp png, png_const_charp message) {
    shim_state *state = png_get_error_ptr(png);
    if (state->status == PNGSHIM_OK) {
        if (state->limit_warning[0]) {
            char combined[sizeof state->limit_warning + 64];
            snprintf(combined, sizeof combined, "%s (%s)", state->limit_warning, message);
            fail(state, PNGSHIM_TOO_LARGE, 0, combined);
        } else {
            fail(state, classify(message), 0, message);
        }
    }
    png_longjmp(png, 1);
}

/// Warnings are dropped, except size-limit ones, which explain the error that follows them.
static void on_warning(png_structp png, png_const_charp message) {
    shim_state *state = png_get_error_ptr(png);
    if (classify(message) == PNGSHIM_TOO_LARGE && !state->limit_warning[0]) {
        snprintf(state->limit_warning, sizeof state->limit_warning, "%s", message);
    }
}

static void read_source(png_structp png, png_bytep out, size_t count) {
    shim_state *state = png_get_io_ptr(png);
    size_t got;
    if (state->file) {
        got = fread(out, 1, count, state->file);
        if (got < count && ferror(state->file)) {
            int os_error = errno;
            fail(state, PNGSHIM_IO_FAILED, os_error, strerror(os_error));
            png_error(png, "read failed");
        }
    } else {
        size_t left = state->size - state->offset;
        got = count < left ? count : left;
        memcpy(out, state->data + state->offset, got);
        state->offset += got;
    }
    if (got < count) {
        fail(state, PNGSHIM_TRUNCATED, 0, "unexpected end of data (truncated PNG)");
        png_error(png, "unexpected end of data");
    }
}

static void write_sink(png_structp png, png_bytep data, size_t count) {
    shim_state *state = png_get_io_ptr(png);
    if (fwrite(data, 1, count, state->file) != count) {
        int os_error = errno;
        fail(state, PNGSHIM_IO_FAILED, os_error, strerror(os_error));
        png_error(png, "write failed");
    }
}

static void flush_sink(png_structp png) {
    (void)png;
}

/// Reads and checks the 8-byte signature through the state's source, outside libpng (so an empty or short input is
/// reported as "not a PNG" rather than as a truncated one).
static pngshim_status check_signature(shim_state *state) {
    png_byte signature[8];
    size_t got;
    if (state->file) {
        got = fread(signature, 1, sizeof signature, state->file);
        if (got < sizeof signature && ferror(state->file)) {
            int os_error = errno;
            return fail(state, PNGSHIM_IO_FAILED, os_error, strerror(os_error));
        }
    } else {
        got = state->size < sizeof signature ? state->size : sizeof signature;
        memcpy(signature, state->data, got);
        state->offset = got;
    }
    if (got == 0) return fail(state, PNGSHIM_NOT_PNG, 0, "empty file, not a PNG");
    if (got < sizeof signature || png_sig_cmp(signature, 0, sizeof signature) != 0) {
        return fail(state, PNGSHIM_NOT_PNG, 0, "not a PNG (bad signature)");
    }
    return PNGSHIM_OK;
}

static pngshim_status decode(shim_state *state, pngshim_image *image) {
    if (check_signature(state) != PNGSHIM_OK) return state->status;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, state, on_error, on_warning);
    if (!png) return fail(state, PNGSHIM_OUT_OF_MEMORY, 0, "png_create_read_struct failed");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(state, PNGSHIM_OUT_OF_MEMORY, 0, "png_create_info_struct failed");
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return state->status;
    }
    png_set_read_fn(png, state, read_source);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, PNGSHIM_MAX_DIMENSION, PNGSHIM_MAX_DIMENSION);
    png_read_info(png, info);

    png_set_expand(png);    // palette → RGB(A), gray < 8 bits → 8, tRNS → alpha
    png_set_strip_16(png);  // 16-bit → high byte
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || channels < 1 || channels > 4 || row_bytes != (size_t)width * channels) {
        fail(state, PNGSHIM_CORRUPT, 0, "unexpected layout after normalisation to 8-bit samples");
        png_longjmp(png, 1);
    }
    if (row_bytes * height > PNGSHIM_MAX_DECODED_BYTES) {
        fail(state, PNGSHIM_TOO_LARGE, 0, "decoded image would exceed PNGSHIM_MAX_DECODED_BYTES");
        png_longjmp(png, 1);
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        fail(state, PNGSHIM_OUT_OF_MEMORY, 0, "cannot allocate the decoded image");
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    image->pixels = pixels;
    image->width = width;
    image->height = height;
    image->channels = channels;
    return PNGSHIM_OK;
}

pngshim_status pngshim_read_file(const char *path, pngshim_image *image, pngshim_error *error) {
    shim_state state = {.status = PNGSHIM_OK, .error = error};
    state.file = fopen(path, "rb");
    if (!state.file) {
        int os_error = errno;
        return fail(&state, PNGSHIM_OPEN_FAILED, os_error, strerror(os_error));
    }
    pngshim_status status = decode(&state, image);
    fclose(state.file);
    return status;
}

pngshim_status pngshim_read_memory(const uint8_t *data, size_t size, pngshim_image *image, pngshim_error *error) {
    shim_state state = {.status = PNGSHIM_OK, .error = error, .data = data, .size = data ? size : 0};
    return decode(&state, image);
}

void pngshim_free(uint8_t *pixels) {
    free(pixels);
}

static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                   PNG_COLOR_TYPE_RGB_ALPHA};

static pngshim_status encode(shim_state *state, const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                             size_t row_stride, int level, pngshim_filter filter) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, state, on_error, on_warning);
    if (!png) return fail(state, PNGSHIM_OUT_OF_MEMORY, 0, "png_create_write_struct failed");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return fail(state, PNGSHIM_OUT_OF_MEMORY, 0, "png_create_info_struct failed");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return state->status;
    }
    png_set_write_fn(png, state, write_sink, flush_sink);
    png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    int adaptive = filter == PNGSHIM_FILTER_ADAPTIVE || (filter == PNGSHIM_FILTER_AUTO && level > 2);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, adaptive ? PNG_ALL_FILTERS : PNG_FILTER_NONE);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * row_stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return PNGSHIM_OK;
}

pngshim_status pngshim_write_file(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
                                  int channels, size_t row_stride, int level, pngshim_filter filter,
                                  pngshim_error *error) {
    shim_state state = {.status = PNGSHIM_OK, .error = error};
    if (!pixels || width == 0 || height == 0 || width > PNGSHIM_MAX_DIMENSION || height > PNGSHIM_MAX_DIMENSION ||
        channels < 1 || channels > 4 || row_stride < (size_t)width * channels || level < 0 || level > 9) {
        return fail(&state, PNGSHIM_INVALID_ARGUMENT, 0, "invalid image size, channel count, row stride or level");
    }
    state.file = fopen(path, "wb");
    if (!state.file) {
        int os_error = errno;
        return fail(&state, PNGSHIM_OPEN_FAILED, os_error, strerror(os_error));
    }
    pngshim_status status = encode(&state, pixels, width, height, channels, row_stride, level, filter);
    if (fclose(state.file) != 0 && status == PNGSHIM_OK) {
        int os_error = errno;
        status = fail(&state, PNGSHIM_IO_FAILED, os_error, strerror(os_error));
    }
    return status;
}
