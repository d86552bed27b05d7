namespace PgMove.Core.Schema.Roles;

/// <summary>
/// One ALTER ROLE … SET: <see cref="Database"/> is null for every database; <see cref="Value"/> is the text
/// pg_db_role_setting keeps (list settings such as search_path with their elements already quoted).
/// </summary>
internal sealed record RoleSetting(string Role, string? Database, string Name, string Value);
