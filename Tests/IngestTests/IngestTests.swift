import XCTest

@testable import Ingest

final class IngestModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: Ingest.self), "Ingest")
    }
}
