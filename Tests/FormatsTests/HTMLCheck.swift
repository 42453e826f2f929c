import Foundation
import TestSupport
import XCTest

/// What is wrong with an HTML page's structure, one problem a line ("" when nothing): Python's
/// HTML parser must see every element that is not a void element (`meta`, `br`…) closed, in
/// order, and exactly one `<html>` holding everything. (libxml2's HTML parser knows only
/// HTML 4, so it cannot judge these HTML 5 pages.)
func htmlProblems(_ bytes: [UInt8]) throws -> String {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("ratebook-html-" + UUID().uuidString, isDirectory: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try writeFile("page.html", bytes, in: folder).path
    let script = """
        import html.parser, sys
        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                "source", "track", "wbr"}
        class Check(html.parser.HTMLParser):
            def __init__(self):
                super().__init__()
                self.open, self.problems, self.roots = [], [], 0
            def handle_starttag(self, tag, attributes):
                if not self.open and tag != "html":
                    self.problems.append(f"<{tag}> outside <html>")
                if tag == "html":
                    self.roots += 1
                if tag not in VOID:
                    self.open.append(tag)
            def handle_endtag(self, tag):
                if not self.open or self.open[-1] != tag:
                    self.problems.append(f"</{tag}> closes {self.open[-1:]}")
                else:
                    self.open.pop()
        check = Check()
        check.feed(open(sys.argv[1], encoding="utf-8").read())
        check.close()
        problems = check.problems + [f"<{tag}> never closed" for tag in check.open]
        if check.roots != 1:
            problems.append(f"{check.roots} <html> elements")
        print("\\n".join(problems))
        """
    let result = try runPython(script, [path])
    guard result.status == 0 else {
        return "python3 failed: " + result.standardOutput + result.standardError
    }
    return String(result.standardOutput.dropLast())
}
