import Foundation
import Imaging
import Testing

@Suite struct AtomicFileTests {
    @Test func replacesTheTargetAndLeavesNoTemporaryFile() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let url = folder.file("table.csv")
        try AtomicFile.write(Data("a,b\n".utf8), to: url)
        try AtomicFile.write(Data("a,b\n1,2\n".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "a,b\n1,2\n")
        let image = try ByteImage(width: 3, height: 2, channels: 3, value: 9)
        try PNG.write(image, to: folder.file("a.png"))
        try PNG.write(image, to: folder.file("a.png"), compressionLevel: 6)
        #expect(folder.contents == ["a.png", "table.csv"])
    }

    @Test func missingFolderThrowsAndLeavesNothing() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let url = folder.file("absent").appendingPathComponent("out.png")
        let image = try ByteImage(width: 3, height: 2, channels: 1)
        do {
            try PNG.write(image, to: url)
            Issue.record("no error")
        } catch let error as ImagingError {
            #expect(error.kind == .writeFailed && error.file == url.path, "\(error)")
        }
        #expect(throws: ImagingError.self) { try AtomicFile.write(Data([1]), to: url) }
        #expect(folder.contents.isEmpty)
    }

    /// The content is written, then the rename fails (the target is a folder): the temporary file must go.
    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let folder = try ScratchFolder()
        defer { folder.cleanUp() }
        let target = folder.file("taken.png")
        try FileManager.default.createDirectory(at: target.appendingPathComponent("inside"),
                                                withIntermediateDirectories: true)
        #expect(throws: ImagingError.self) { try PNG.write(ByteImage(width: 4, height: 4, channels: 3), to: target) }
        #expect(throws: ImagingError.self) { try AtomicFile.write(Data([1, 2]), to: target) }
        #expect(folder.contents == ["taken.png"])
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores folder permissions"))
    func readOnlyFolderThrowsAndLeavesNothing() throws {
        let folder = try ScratchFolder()
        defer {
            chmod(folder.url.path, 0o755)
            folder.cleanUp()
        }
        chmod(folder.url.path, 0o555)
        #expect(throws: ImagingError.self) { try PNG.write(ByteImage(width: 4, height: 4, channels: 3),
                                                           to: folder.file("x.png")) }
        #expect(throws: ImagingError.self) { try AtomicFile.write(Data([1]), to: folder.file("x.json")) }
        #expect(folder.contents.isEmpty)
    }
}
