import Foundation
import Testing
@testable import Models
import Tensors

@Suite struct SafeTensorsDTypeTests {
    /// A one-tensor file holding `data` as `dtype` with `shape`.
    func oneTensorFile(dtype: String, shape: [Int], data: [UInt8], in folder: CheckpointTestFolder) throws -> SafeTensorsFile {
        let header = #"{"t":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[0,\#(data.count)]}}"#
        return try SafeTensorsFile(contentsOf: try folder.write(safetensorsBytes(header: header, data: data), to: "\(dtype).safetensors"))
    }

    @Test func f16DecodesExactlyIncludingSubnormalsInfinitiesAndNegativeZero() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3C00, 1), (0xC000, -2), (0x3555, 0.333251953125),
            (0x7BFF, 65504), (0xFBFF, -65504),
            (0x0001, 0x1p-24), (0x8001, -0x1p-24), (0x03FF, 1023 * 0x1p-24), (0x0400, 0x1p-14), (0x0200, 0x1p-15),
            (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        let nans: [UInt16] = [0x7E00, 0xFE00, 0x7C01]
        let file = try oneTensorFile(dtype: "F16", shape: [cases.count + nans.count],
                                     data: littleEndianBytes(cases.map(\.0) + nans), in: folder)
        #expect(try file.info("t").dtype == .f16)
        let values = try file.tensor("t").storage
        for (index, (bits, expected)) in cases.enumerated() {
            #expect(values[index].bitPattern == expected.bitPattern,
                    "F16 0x\(String(bits, radix: 16)) → \(values[index]), expected \(expected)")
        }
        for (index, bits) in nans.enumerated() {
            let value = values[cases.count + index]
            #expect(value.isNaN, "F16 0x\(String(bits, radix: 16)) is NaN")
            #expect(value.sign == (bits & 0x8000 != 0 ? .minus : .plus))
        }
        #expect(values[cases.count].bitPattern == 0x7FC0_0000, "quiet NaN keeps its payload bits")
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func everyF16BitPatternMatchesSwiftFloat16() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = HalfPrecision.f16Table[Int(bits)]
            if expected.isNaN {
                #expect(actual.isNaN && actual.sign == expected.sign)
            } else if actual.bitPattern != expected.bitPattern {
                Issue.record("F16 0x\(String(bits, radix: 16)): \(actual) != \(expected)")
                return
            }
        }
    }
    #endif

    @Test func bf16IsTheTopHalfOfFloat32() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3F80, 1), (0xBF80, -1), (0x4049, 3.140625), (0xC2F7, -123.5),
            (0x0001, 0x1p-133), (0x8001, -0x1p-133), (0x0080, 0x1p-126), (0x7F7F, 0x1.FEp127),
            (0x7F80, .infinity), (0xFF80, -.infinity), (0x7FC0, .nan),
        ]
        let file = try oneTensorFile(dtype: "BF16", shape: [cases.count], data: littleEndianBytes(cases.map(\.0)), in: folder)
        let values = try file.tensor("t").storage
        for (index, (bits, expected)) in cases.enumerated() {
            #expect(values[index].bitPattern == UInt32(bits) << 16, "BF16 0x\(String(bits, radix: 16))")
            if !expected.isNaN { #expect(values[index].bitPattern == expected.bitPattern) }
        }
    }

    @Test func f64IntegersAndBoolConvert() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let f64 = try oneTensorFile(dtype: "F64", shape: [2, 2], data: littleEndianBytes([1.5, -0.0, 1e300, 0.1]), in: folder)
        let values = try f64.tensor("t")
        #expect(values.shape == [2, 2])
        #expect(sameBits(values.storage, [1.5, -0.0, .infinity, Float(0.1)]))

        let i64 = try oneTensorFile(dtype: "I64", shape: [3], data: littleEndianBytes([Int64(-3), 0, 1 << 40]), in: folder)
        #expect(try i64.tensor("t").storage == [-3, 0, 0x1p40])
        let bool = try oneTensorFile(dtype: "BOOL", shape: [1, 3], data: [1, 0, 1], in: folder)
        #expect(try bool.tensor("t").storage == [1, 0, 1])
        let i8 = try oneTensorFile(dtype: "I8", shape: [2], data: [0xFF, 0x7F], in: folder)
        #expect(try i8.tensor("t").storage == [-1, 127])
    }

    @Test func misalignedDataReadsCorrectly() throws {
        // A 1-byte U8 tensor first puts the F32 and F16 data at odd addresses.
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},"c":{"dtype":"F16","shape":[1],"data_offsets":[9,11]}}"#
        let data: [UInt8] = [200] + littleEndianBytes([Float(1.5), -7]) + littleEndianBytes([UInt16(0x3C00)])
        let file = try SafeTensorsFile(contentsOf: try folder.write(safetensorsBytes(header: header, data: data), to: "odd.safetensors"))
        #expect(try file.tensor("a").storage == [200])
        #expect(try file.tensor("b").storage == [1.5, -7])
        #expect(try file.tensor("c").storage == [1])
    }

    @Test func listingNeedsNoConversionAndUnconvertibleDTypesSayWhy() throws {
        let folder = try CheckpointTestFolder()
        defer { folder.remove() }
        // F4 packs two elements a byte: 4 elements take 2 bytes.
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F8_E4M3","shape":[2,2],"data_offsets":[0,4]},"m":{"dtype":"BOOL","shape":[1,1,2,2],"data_offsets":[4,8]},"q":{"dtype":"F4","shape":[4],"data_offsets":[8,10]}}"#
        let url = try folder.write(safetensorsBytes(header: header, data: [UInt8](repeating: 1, count: 10)), to: "mixed.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.tensorNames == ["m", "q", "w"])
        #expect(try file.info("w").dtype == .f8E4M3)
        #expect(try file.info("w").shape == [2, 2])
        #expect(try file.info("m").elementCount == 4)
        #expect(try file.parameterCount == 12)
        #expect(try file.tensor("m").storage == [1, 1, 1, 1])
        expectCheckpointError(path: url.path, mentions: ["'w'", "F8_E4M3", "Float32"]) { _ = try file.tensor("w") }
    }
}
