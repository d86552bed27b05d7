namespace PgMove.Core.Subscription;

/// <summary>Subscription options both servers support: binary transfer and streaming of large transactions (both 14+).</summary>
internal sealed record SubscriptionFeatures(bool Binary, bool Streaming)
{
    public static SubscriptionFeatures For(int sourceMajor, int targetMajor) =>
        new(Binary: sourceMajor >= 14 && targetMajor >= 14, Streaming: sourceMajor >= 14 && targetMajor >= 14);

    /// <summary>The extra WITH options, e.g. <c>, binary = true, streaming = on</c>.</summary>
    public string WithOptions => (Binary ? ", binary = true" : "") + (Streaming ? ", streaming = on" : "");
}
