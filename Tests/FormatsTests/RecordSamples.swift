import Foundation
import Pricing
import TestSupport
import XCTest

@testable import Formats

/// The sample catalog, customers and golden files the record codec tests read (the files the
/// stages write for `samples/`, committed under `samples/expected`).
enum RecordSamples {
    /// The bytes of `path` under `samples/`.
    static func bytes(_ path: String) throws -> [UInt8] {
        try readBytes(Executables.samples.appendingPathComponent(path))
    }

    static func catalog() throws -> Catalog {
        try CatalogLoader.load(
            text: String(decoding: try bytes("catalog.yaml"), as: UTF8.self),
            file: "catalog.yaml")
    }

    static func customers(_ catalog: Catalog) throws -> [Customer] {
        try CustomersLoader.load(
            text: String(decoding: try bytes("customers.yaml"), as: UTF8.self),
            file: "customers.yaml", catalog: catalog, zones: TimeZoneDirectory())
    }

    /// A reader over the sample catalog and customers.
    static func reader() throws -> InvoiceInputReader {
        let catalog = try catalog()
        return InvoiceInputReader(catalog: catalog, customers: try customers(catalog))
    }

    /// The lines of `bytes`, each with its line feed.
    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A).map { Array($0) + [0x0A] }
    }

    /// The collected problems of `reader` as `file:line: path: message` texts.
    static func problems(_ reader: InvoiceInputReader) -> [String] {
        reader.errors.map(\.description)
    }

    /// Asserts `actual` is `expected` byte for byte, naming the first line that differs.
    static func assertBytes(
        _ actual: [UInt8], _ expected: [UInt8], _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard actual != expected else { return }
        let difference = firstDifference(
            expected: String(decoding: expected, as: UTF8.self),
            actual: String(decoding: actual, as: UTF8.self))
        XCTFail(
            "\(message): \(difference ?? "the bytes differ outside valid UTF-8")", file: file,
            line: line)
    }
}
