using System.Globalization;

namespace PgMove.Core.Verify;

/// <summary>
/// A chunk of a table, keys <see cref="From"/> to <see cref="To"/> inclusive, whose rows differ.
/// A null bound is open: the first chunk has no lower bound and the last no upper one, so that keys
/// present on the target only are still counted.
/// </summary>
public sealed record KeyRangeDifference(long? From, long? To, long SourceRows, long TargetRows)
{
    /// <summary>The range in words, e.g. <c>11..20</c>, <c>..10</c> or <c>91..</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{From}..{To}");
}
