namespace PgMove.Core.Subscription;

/// <summary>
/// Subscription options both servers support: binary transfer and streaming of large transactions (both 14+), and
/// on 16+ targets <c>run_as_owner</c>: the apply runs as the subscription's (superuser) owner, as it did before 16,
/// instead of as each table's owner, whose FORCE ROW LEVEL SECURITY policies would make the apply refuse the table.
/// </summary>
internal sealed record SubscriptionFeatures(bool Binary, bool Streaming, bool RunAsOwner = false)
{
    public static SubscriptionFeatures For(int sourceMajor, int targetMajor) =>
        new(Binary: sourceMajor >= 14 && targetMajor >= 14, Streaming: sourceMajor >= 14 && targetMajor >= 14, RunAsOwner: targetMajor >= 16);

    /// <summary>The extra WITH options, e.g. <c>, binary = true, streaming = on, run_as_owner = true</c>.</summary>
    public string WithOptions => (Binary ? ", binary = true" : "") + (Streaming ? ", streaming = on" : "") + (RunAsOwner ? ", run_as_owner = true" : "");
}
