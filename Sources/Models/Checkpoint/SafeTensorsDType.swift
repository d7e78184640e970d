/// The element types a safetensors header may name (the Rust library's `Dtype`).
///
/// Every one of them is accepted when validating and listing a file; `tensor(_:)` converts the
/// floating-point types (F32, F16, BF16, F64), the integer types and BOOL to Float32.
public enum SafeTensorsDType: String, Sendable, CaseIterable, Equatable {
    case bool = "BOOL"
    case f4 = "F4"
    case f6E2M3 = "F6_E2M3"
    case f6E3M2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case f8E8M0 = "F8_E8M0"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bits per element.
    public var bitSize: Int {
        switch self {
        case .f4: return 4
        case .f6E2M3, .f6E3M2: return 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// True when `tensor(_:)` can convert this type to Float32.
    public var convertsToFloat32: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64, .bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        case .f4, .f6E2M3, .f6E3M2, .f8E5M2, .f8E4M3, .f8E8M0, .c64: return false
        }
    }

    /// Bytes needed for `count` elements, or nil when they do not fill whole bytes or overflow.
    func byteCount(elements count: Int) -> Int? {
        let (bits, overflow) = count.multipliedReportingOverflow(by: bitSize)
        guard !overflow, bits % 8 == 0 else { return nil }
        return bits / 8
    }
}

/// Exact conversions of 16-bit floats to Float32.
enum HalfPrecision {
    /// IEEE 754 binary16 → binary32, exact for every bit pattern: subnormals become normal
    /// Float32 values, ±inf stay infinite, NaN payloads keep their top bits, -0 stays -0.
    @inline(__always)
    static func float(fromF16 h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2^-24, exactly representable in Float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// bfloat16 is the top half of a Float32.
    @inline(__always)
    static func float(fromBF16 b: UInt16) -> Float {
        Float(bitPattern: UInt32(b) << 16)
    }

    /// All 65536 F16 values, so bulk conversion is one table lookup per element.
    static let f16Table: [Float] = (0...UInt16.max).map { float(fromF16: $0) }
}
