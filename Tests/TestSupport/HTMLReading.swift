import Foundation

/// What a reader sees on an HTML page, read by Python's HTML parser (not by searching the
/// markup): each table's rows, each classed element's text, the images. Text is what the
/// browser shows: the contents of `head` (title, style) left out, every tag boundary a space,
/// runs of white space made one space.
public struct HTMLReading {
    /// By a table's class (`lines`, `totals`, `facts`): one string per row, its cells' texts
    /// joined by ` | ` (a cell spanning columns is one cell).
    public let tables: [String: [String]]
    /// By class name: the text of every element having it, in document order.
    public let classes: [String: [String]]
    /// The `<img>` elements: their `class`, `alt` and the first 30 characters of `src`.
    public let images: [[String: String]]
    /// The whole body's visible text.
    public let text: String

    /// The rows of the table with this class; empty when there is none.
    public func rows(_ table: String) -> [String] { tables[table] ?? [] }

    /// The text of the first element with this class; nil when there is none.
    public func first(_ className: String) -> String? { classes[className]?.first }
}

/// Reads `bytes` (an HTML page) as `HTMLReading` describes.
public func readHTML(_ bytes: [UInt8]) throws -> HTMLReading {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("ratebook-read-" + UUID().uuidString, isDirectory: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = try writeFile("page.html", bytes, in: folder).path
    let script = """
        import html.parser, json, re, sys
        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                "source", "track", "wbr"}
        def clean(parts):
            return re.sub(r"\\s+", " ", " ".join(parts)).strip()
        class Read(html.parser.HTMLParser):
            def __init__(self):
                super().__init__()
                self.tokens, self.stack, self.hidden = [], [], 0
                self.tables, self.classes, self.images = {}, {}, []
                self.table, self.row, self.cell = [], None, None
            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                self.tokens.append(" ")
                if tag == "img":
                    self.images.append({"class": attrs.get("class") or "",
                                        "alt": attrs.get("alt") or "",
                                        "src": (attrs.get("src") or "")[:30]})
                if tag in VOID:
                    return
                if tag in ("head", "style", "script", "title"):
                    self.hidden += 1
                if tag == "table":
                    self.table.append((attrs.get("class") or "", []))
                if tag == "tr":
                    self.row = []
                if tag in ("td", "th"):
                    self.cell = len(self.tokens)
                self.stack.append((tag, (attrs.get("class") or "").split(), len(self.tokens)))
            def handle_endtag(self, tag):
                self.tokens.append(" ")
                if tag in VOID or not self.stack:
                    return
                name, classes, start = self.stack.pop()
                text = clean(self.tokens[start:])
                for c in classes:
                    self.classes.setdefault(c, []).append(text)
                if name in ("head", "style", "script", "title"):
                    self.hidden -= 1
                if name in ("td", "th") and self.row is not None:
                    self.row.append(text)
                if name == "tr" and self.table:
                    self.table[-1][1].append(" | ".join(self.row))
                    self.row = None
                if name == "table":
                    cls, rows = self.table.pop()
                    for c in cls.split():
                        self.tables.setdefault(c, []).extend(rows)
            def handle_data(self, data):
                if not self.hidden:
                    self.tokens.append(data)
        read = Read()
        read.feed(open(sys.argv[1], encoding="utf-8").read())
        read.close()
        print(json.dumps({"tables": read.tables, "classes": read.classes,
                          "images": read.images, "text": clean(read.tokens)}))
        """
    let result = try runPython(script, [path])
    guard result.status == 0,
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
            as? [String: Any]
    else {
        throw HTMLReadingError(message: result.standardOutput + result.standardError)
    }
    return HTMLReading(
        tables: object["tables"] as? [String: [String]] ?? [:],
        classes: object["classes"] as? [String: [String]] ?? [:],
        images: object["images"] as? [[String: String]] ?? [],
        text: object["text"] as? String ?? "")
}

/// Python could not read a page.
public struct HTMLReadingError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "python3 could not read the page: " + message }
}
