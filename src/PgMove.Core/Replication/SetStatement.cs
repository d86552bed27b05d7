using Npgsql;

namespace PgMove.Core.Replication;

/// <summary>A set-based statement and the number of rows it must touch: fewer means the target is not what the source was.</summary>
internal readonly record struct SetStatement(NpgsqlBatchCommand Command, int Rows);
