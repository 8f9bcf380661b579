import Foundation
import Synchronization

extension Array where Element: Sendable {
    /// The elements transformed on every core, in their order: the array is cut into four slices per core and each
    /// slice is mapped by a child task, so that a core that finishes early (or was busy with other work) takes another
    /// slice rather than waiting for the slowest.
    public func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T) async throws -> [T] {
        let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard count > 1, cores > 1 else { return try map(transform) }
        let size = (count + 4 * cores - 1) / (4 * cores)
        return try await withThrowingTaskGroup(of: (Int, [T]).self) { group in
            for start in stride(from: 0, to: count, by: size) {
                let slice = Array(self[start..<Swift.min(start + size, count)])
                group.addTask { (start, try slice.map(transform)) }
            }
            var parts: [(Int, [T])] = []
            for try await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}

extension Array where Element: Sendable {
    /// The elements transformed on every core, in their order, the caller waiting: for synchronous work such as an
    /// import's check pass, which runs inside a database read. The first error thrown, in element order, is rethrown.
    public func concurrentlyMapped<T: Sendable>(_ transform: @Sendable (Element) throws -> T) throws -> [T] {
        let parts = Swift.min(ProcessInfo.processInfo.activeProcessorCount, count)
        guard parts > 1 else { return try map(transform) }
        let results = Mutex([[Result<T, any Error>]](repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (count * part / parts)..<(count * (part + 1) / parts)
            let made = self[range].map { element in Result { try transform(element) } }
            results.withLock { $0[part] = made }
        }
        return try results.withLock { $0 }.joined().map { try $0.get() }
    }
}
