using PgMove.Core.Connections;

namespace PgMove.Core.Cutover;

/// <summary>
/// Compares the source's databases with the target's at cutover; <paramref name="targetSnapshots"/> (per database, or
/// null) reads the target as it was when the applications were switched to it.
/// </summary>
public delegate Task<(bool Equal, string Summary)> CutoverVerifier(ConnectionSpec source, ConnectionSpec target, IReadOnlyList<string> databases,
    IReadOnlyDictionary<string, string>? targetSnapshots, CancellationToken ct);
