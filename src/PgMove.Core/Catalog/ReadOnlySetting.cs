namespace PgMove.Core.Catalog;

/// <summary>
/// One <c>default_transaction_read_only</c> set with ALTER DATABASE or ALTER ROLE [IN DATABASE]: the database and
/// role it applies to (null: every one) and whether it turns read-only on.
/// </summary>
public sealed record ReadOnlySetting(string? Database, string? Role, bool ReadOnly);
