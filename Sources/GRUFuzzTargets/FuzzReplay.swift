import Foundation

/// Runs a fuzz target over saved inputs: the regression corpus, or a crash a fuzzer found.
public enum FuzzReplay {
    /// Feeds every file named in `paths` (folders: every file inside, recursively) to `target`.
    ///
    /// - Returns: how many inputs were run.
    public static func run(_ paths: some Sequence<String>, _ target: (Data) -> Void) throws -> Int {
        var count = 0
        for path in paths {
            for file in try files(at: URL(fileURLWithPath: path)) {
                target(try Data(contentsOf: file))
                count += 1
            }
        }
        return count
    }

    /// The file at `url`, or the files under it when it is a folder, sorted by path.
    public static func files(at url: URL) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        guard isFolder.boolValue else { return [url] }
        let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
        var found: [URL] = []
        while let next = enumerator?.nextObject() as? URL {
            if (try? next.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { found.append(next) }
        }
        return found.sorted { $0.path < $1.path }
    }
}
