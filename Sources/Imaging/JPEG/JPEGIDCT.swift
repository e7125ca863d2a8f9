/// The inverse DCT of libjpeg's `jidctint.c` (`JDCT_ISLOW`, the default of libjpeg, libjpeg-turbo and therefore PIL):
/// a separable integer Loeffler–Ligtenberg–Moschytz IDCT with 13-bit constants and 2 extra bits between the
/// passes. Reproducing its arithmetic exactly makes our samples equal to PIL's before upsampling.
enum JPEGIDCT {
    private static let constBits = 13
    private static let pass1Bits = 2
    private static let fix0_298631336: Int32 = 2446, fix0_390180644: Int32 = 3196, fix0_541196100: Int32 = 4433
    private static let fix0_765366865: Int32 = 6270, fix0_899976223: Int32 = 7373, fix1_175875602: Int32 = 9633
    private static let fix1_501321110: Int32 = 12299, fix1_847759065: Int32 = 15137, fix1_961570560: Int32 = 16069
    private static let fix2_053119869: Int32 = 16819, fix2_562915447: Int32 = 20995, fix3_072711026: Int32 = 25172

    typealias Vector = SIMD8<Int32>

    /// libjpeg's post-IDCT range limit: the value (still centred on 0) is taken modulo 1024 into [−512, 511], then
    /// shifted by 128 and saturated to [0, 255] (the table `sample_range_limit + CENTERJSAMPLE` indexed with
    /// `x & RANGE_MASK`).
    @inline(__always)
    private static func rangeLimit(_ x: Vector) -> Vector {
        let wrapped = ((x &+ 512) & 1023) &- 512
        return (wrapped &+ 128).clamped(lowerBound: Vector(repeating: 0), upperBound: Vector(repeating: 255))
    }

    @inline(__always)
    private static func descale(_ x: Vector, _ n: Int32) -> Vector { (x &+ (1 &<< (n - 1))) &>> n }

    /// Transforms one block of coefficients (natural order) with its quantisation table (natural order) into 8×8
    /// samples written at `output` with row stride `stride`.
    ///
    /// Both passes run on 8 lanes at once: pass 1 transforms all columns (lane = column), pass 2 all rows of the
    /// transposed workspace (lane = row). 32-bit intermediates are what libjpeg-turbo's SIMD IDCTs use; they hold
    /// every value a valid 8-bit JPEG produces, and wrap (never trap) on garbage.
    static func transform(_ block: UnsafePointer<Int16>, _ quantization: UnsafePointer<Int32>,
                          _ output: UnsafeMutablePointer<UInt8>, stride: Int) {
        @inline(__always) func row(_ r: Int) -> Vector {
            let coefficients = UnsafeRawPointer(block + 8 * r).loadUnaligned(as: SIMD8<Int16>.self)
            return Vector(truncatingIfNeeded: coefficients)
                &* UnsafeRawPointer(quantization + 8 * r).loadUnaligned(as: Vector.self)
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
        var firstRowAC = r0
        firstRowAC[0] = 0
        if firstRowAC | r1 | r2 | r3 | r4 | r5 | r6 | r7 == Vector(repeating: 0) {
            // Only the DC coefficient: every pass yields the same value (this is also what libjpeg computes).
            let dc = rangeLimit(descale(Vector(repeating: r0[0]) &<< Int32(pass1Bits), Int32(pass1Bits) + 3))[0]
            for y in 0..<8 { (output + y * stride).update(repeating: UInt8(truncatingIfNeeded: dc), count: 8) }
            return
        }
        let pass1 = butterfly(r0, r1, r2, r3, r4, r5, r6, r7)
        let shift1 = Int32(constBits - pass1Bits)
        var columns = transpose(descale(pass1.0, shift1), descale(pass1.1, shift1), descale(pass1.2, shift1),
                                descale(pass1.3, shift1), descale(pass1.4, shift1), descale(pass1.5, shift1),
                                descale(pass1.6, shift1), descale(pass1.7, shift1))
        let pass2 = butterfly(columns.0, columns.1, columns.2, columns.3, columns.4, columns.5, columns.6, columns.7)
        let shift2 = Int32(constBits + pass1Bits + 3)
        columns = transpose(rangeLimit(descale(pass2.0, shift2)), rangeLimit(descale(pass2.1, shift2)),
                            rangeLimit(descale(pass2.2, shift2)), rangeLimit(descale(pass2.3, shift2)),
                            rangeLimit(descale(pass2.4, shift2)), rangeLimit(descale(pass2.5, shift2)),
                            rangeLimit(descale(pass2.6, shift2)), rangeLimit(descale(pass2.7, shift2)))
        @inline(__always) func store(_ y: Int, _ values: Vector) {
            UnsafeMutableRawPointer(output + y * stride).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: values),
                                                                     as: SIMD8<UInt8>.self)
        }
        store(0, columns.0)
        store(1, columns.1)
        store(2, columns.2)
        store(3, columns.3)
        store(4, columns.4)
        store(5, columns.5)
        store(6, columns.6)
        store(7, columns.7)
    }

    @inline(__always)
    private static func transpose(_ a: Vector, _ b: Vector, _ c: Vector, _ d: Vector, _ e: Vector, _ f: Vector,
                                  _ g: Vector, _ h: Vector)
        -> (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector) {
        @inline(__always) func column(_ i: Int) -> Vector { Vector(a[i], b[i], c[i], d[i], e[i], f[i], g[i], h[i]) }
        return (column(0), column(1), column(2), column(3), column(4), column(5), column(6), column(7))
    }

    /// One 8-point pass of `jpeg_idct_islow` on 8 lanes, before descaling (outputs scaled by 2^13).
    @inline(__always)
    private static func butterfly(_ x0: Vector, _ x1: Vector, _ x2: Vector, _ x3: Vector, _ x4: Vector,
                                  _ x5: Vector, _ x6: Vector, _ x7: Vector)
        -> (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector) {
        // Even part.
        var z1 = (x2 &+ x6) &* fix0_541196100
        let t2 = z1 &+ x6 &* -fix1_847759065
        let t3 = z1 &+ x2 &* fix0_765366865
        let t0 = (x0 &+ x4) &<< Int32(constBits)
        let t1 = (x0 &- x4) &<< Int32(constBits)
        let t10 = t0 &+ t3, t13 = t0 &- t3, t11 = t1 &+ t2, t12 = t1 &- t2
        // Odd part.
        z1 = x7 &+ x1
        var z2 = x5 &+ x3
        var z3 = x7 &+ x3
        var z4 = x5 &+ x1
        let z5 = (z3 &+ z4) &* fix1_175875602
        var o0 = x7 &* fix0_298631336
        var o1 = x5 &* fix2_053119869
        var o2 = x3 &* fix3_072711026
        var o3 = x1 &* fix1_501321110
        z1 = z1 &* -fix0_899976223
        z2 = z2 &* -fix2_562915447
        z3 = z3 &* -fix1_961570560 &+ z5
        z4 = z4 &* -fix0_390180644 &+ z5
        o0 = o0 &+ z1 &+ z3
        o1 = o1 &+ z2 &+ z4
        o2 = o2 &+ z2 &+ z3
        o3 = o3 &+ z1 &+ z4
        return (t10 &+ o3, t11 &+ o2, t12 &+ o1, t13 &+ o0, t13 &- o0, t12 &- o1, t11 &- o2, t10 &- o3)
    }
}
