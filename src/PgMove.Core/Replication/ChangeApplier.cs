using System.Text;
using Npgsql;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using PgMove.Core.Catalog;

namespace PgMove.Core.Replication;

/// <summary>
/// Applies pgoutput changes to one target database in source commit order. Changes are sent in batches
/// inside a target transaction that groups many source transactions; the group's last end LSN is written
/// in the same transaction (<see cref="AppliedPosition"/>), so a crash never loses or repeats a change.
/// Memory stays bounded whatever the size of a source transaction: changes go out as they arrive.
/// </summary>
internal sealed class ChangeApplier : IAsyncDisposable
{
    private const int BatchCommands = 500;

    private readonly NpgsqlConnection _target;
    private readonly string _database;
    private readonly string _slot;
    private readonly Dictionary<uint, TargetTable> _relations = [];
    private readonly ApplyStatistics _statistics;
    private NpgsqlTransaction? _group;
    private NpgsqlBatch _batch;
    private int _groupTransactions;
    private long _groupChanges;
    private NpgsqlLogSequenceNumber _groupEnd;
    private DateTimeOffset? _groupCommitTime;

    public ChangeApplier(NpgsqlConnection target, string database, string slot, NpgsqlLogSequenceNumber appliedLsn, ApplyStatistics statistics)
    {
        _target = target;
        _database = database;
        _slot = slot;
        _statistics = statistics;
        _statistics.AppliedLsn = appliedLsn;
        _batch = new NpgsqlBatch(target);
    }

    public bool HasOpenGroup => _group is not null;

    /// <summary>Source transactions applied but not yet committed on the target.</summary>
    public int PendingTransactions => _groupTransactions;

    public long PendingChanges => _groupChanges;

    public DateTimeOffset GroupStarted { get; private set; }

    public async Task RelationAsync(RelationMessage relation, CancellationToken ct)
    {
        var name = new QualifiedName(relation.Namespace, relation.RelationName);
        var targetColumns = new Dictionary<string, (string Type, bool AlwaysIdentity)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(SqlResources.Get("Replication/Sql/target_columns.sql"), _target))
        {
            command.Parameters.AddWithValue("relation", name.ToString());
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    targetColumns[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2));
            }
            catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                throw new SchemaDriftException(_database, name.ToString(), "the table does not exist on the target");
            }
        }

        var columns = new List<string>();
        var types = new List<string>();
        var keys = new List<bool>();
        var alwaysIdentity = new List<bool>();
        foreach (var column in relation.Columns)
        {
            if (!targetColumns.Remove(column.ColumnName, out var target))
                throw new SchemaDriftException(_database, name.ToString(), $"column \"{column.ColumnName}\" is on the source but not on the target");
            columns.Add(column.ColumnName);
            types.Add(target.Type);
            alwaysIdentity.Add(target.AlwaysIdentity);
            keys.Add((column.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0);
        }
        if (targetColumns.Count > 0)
            throw new SchemaDriftException(_database, name.ToString(), $"column \"{targetColumns.Keys.First()}\" is on the target but no longer on the source");
        var full = relation.ReplicaIdentity == RelationMessage.ReplicaIdentitySetting.AllColumns;
        _relations[relation.RelationId] = new TargetTable(name, columns, types, keys, alwaysIdentity, full);

    }

    public async Task InsertAsync(InsertMessage insert, CancellationToken ct)
    {
        var table = Table(insert.Relation.RelationId);
        var values = await ReadAsync(insert.NewRow, ct);
        var sql = new StringBuilder($"INSERT INTO {table.Name} (");
        var command = new NpgsqlBatchCommand();
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(table.Column(i));
        }
        sql.Append(") OVERRIDING SYSTEM VALUE VALUES (");
        for (var i = 0; i < values.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(table.Param(i, i + 1));
            command.Parameters.Add(Text(values[i].Value));
        }
        command.CommandText = sql.Append(')').ToString();
        await AddAsync(command, ct);
    }

    public async Task UpdateAsync(UpdateMessage update, CancellationToken ct)
    {
        var table = Table(update.Relation.RelationId);
        // The old key (or whole old row for REPLICA IDENTITY FULL) comes first when the key changed or identity is FULL.
        List<ColumnValue>? old = update switch
        {
            FullUpdateMessage full => await ReadAsync(full.OldRow, ct),
            IndexUpdateMessage index => await ReadAsync(index.Key, ct),
            _ => null,
        };
        var values = await ReadAsync(update.NewRow, ct);
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder($"UPDATE {table.Name} SET ");
        var position = 0;
        var first = true;
        for (var i = 0; i < values.Count; i++)
        {
            // An unchanged TOAST value was not sent: leave the target's value as it is.
            // A GENERATED ALWAYS identity cannot be SET, and cannot have changed on the source.
            if (values[i].Unchanged || table.IsAlwaysIdentity[i])
                continue;
            sql.Append(first ? "" : ", ").Append(table.Column(i)).Append(" = ").Append(table.Param(i, ++position));
            command.Parameters.Add(Text(values[i].Value));
            first = false;
        }
        if (first)
            return; // Nothing but unchanged TOAST values: nothing to write.
        AppendWhere(sql, command, table, old ?? values, ref position);
        command.CommandText = sql.ToString();
        await AddAsync(command, ct);
    }

    public async Task DeleteAsync(DeleteMessage delete, CancellationToken ct)
    {
        var table = Table(delete.Relation.RelationId);
        var old = delete switch
        {
            FullDeleteMessage full => await ReadAsync(full.OldRow, ct),
            KeyDeleteMessage key => await ReadAsync(key.Key, ct),
            _ => throw new InvalidOperationException("A DELETE without key cannot be applied."),
        };
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder($"DELETE FROM {table.Name}");
        var position = 0;
        AppendWhere(sql, command, table, old, ref position);
        command.CommandText = sql.ToString();
        await AddAsync(command, ct);
    }

    public async Task TruncateAsync(TruncateMessage truncate, CancellationToken ct)
    {
        var names = new List<string>();
        foreach (var relation in truncate.Relations)
            names.Add(Table(relation.RelationId).Name.ToString());
        var options = "";
        if (truncate.Options.HasFlag(TruncateMessage.TruncateOptions.RestartIdentity))
            options += " RESTART IDENTITY";
        if (truncate.Options.HasFlag(TruncateMessage.TruncateOptions.Cascade))
            options += " CASCADE";
        await AddAsync(new NpgsqlBatchCommand($"TRUNCATE {string.Join(", ", names)}{options}"), ct);
    }

    /// <summary>A source transaction ended: it now belongs to the open group.</summary>
    public void Committed(CommitMessage commit)
    {
        if (_group is null)
            return; // Nothing of ours in it.
        _groupTransactions++;
        _groupEnd = commit.TransactionEndLsn;
        _groupCommitTime = commit.TransactionCommitTimestamp;
    }

    /// <summary>Commits the group on the target together with its end LSN. Returns that LSN, to confirm to the source.</summary>
    public async Task<NpgsqlLogSequenceNumber?> CommitGroupAsync(CancellationToken ct)
    {
        if (_group is null)
            return null;
        if (_groupTransactions == 0)
        {
            // Only part of a transaction so far: it must not be committed on its own.
            await ExecuteBatchAsync(ct);
            return null;
        }
        _batch.BatchCommands.Add(AppliedPosition.Write(_slot, _groupEnd));
        await ExecuteBatchAsync(ct);
        await _group.CommitAsync(ct);
        await _group.DisposeAsync();
        _group = null;
        _statistics.AddChanges(_groupChanges);
        _statistics.AddTransactions(_groupTransactions);
        _statistics.AppliedLsn = _groupEnd;
        _statistics.AppliedCommitTime = _groupCommitTime;
        _groupTransactions = 0;
        _groupChanges = 0;
        return _groupEnd;
    }

    private async Task AddAsync(NpgsqlBatchCommand command, CancellationToken ct)
    {
        if (_group is null)
        {
            _group = await _target.BeginTransactionAsync(ct);
            GroupStarted = DateTimeOffset.UtcNow;
            // The source is told a group is applied as soon as it commits, and never resends it: the commit must
            // be durable by then, even where the target runs with synchronous_commit = off (a crash would lose it).
            _batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = on"));
        }
        _batch.BatchCommands.Add(command);
        _groupChanges++;
        if (_batch.BatchCommands.Count >= BatchCommands)
            await ExecuteBatchAsync(ct);
    }

    private async Task ExecuteBatchAsync(CancellationToken ct)
    {
        if (_batch.BatchCommands.Count == 0)
            return;
        _batch.Transaction = _group;
        try
        {
            await _batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException error)
        {
            throw new Errors.PgMoveException("replication.apply_failed",
                $"database {_database}: applying a change failed: {error.MessageText} ({error.SqlState}){(error.TableName is null ? "" : $" on table {error.SchemaName}.{error.TableName}")}.",
                error.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                    ? "Someone probably wrote to the target: undo that write (only PgMove may write to the target until cutover), then run pgmove start again to resume."
                    : "Fix the cause named above on the target, then run pgmove start again to resume from the last applied transaction.", error);
        }
        await _batch.DisposeAsync();
        _batch = new NpgsqlBatch(_target) { Transaction = _group };
    }

    /// <summary>WHERE on the key columns, or on every column (as text, so that types without equality work) for REPLICA IDENTITY FULL.</summary>
    private static void AppendWhere(StringBuilder sql, NpgsqlBatchCommand command, TargetTable table, List<ColumnValue> row, ref int position)
    {
        var conditions = new List<string>();
        for (var i = 0; i < row.Count; i++)
        {
            if (row[i].Unchanged || (!table.FullIdentity && !table.IsKey[i]))
                continue;
            if (row[i].Value is null)
            {
                conditions.Add($"{table.Column(i)} IS NULL");
                continue;
            }
            command.Parameters.Add(Text(row[i].Value));
            conditions.Add(table.FullIdentity
                ? $"{table.Column(i)}::text = (${++position}::{table.Types[i]})::text"
                : $"{table.Column(i)} = {table.Param(i, ++position)}");
        }
        var where = string.Join(" AND ", conditions);
        // With FULL identity duplicates are possible: touch exactly one of them, as PostgreSQL's own apply does.
        sql.Append(table.FullIdentity
            ? $" WHERE ctid = (SELECT ctid FROM {table.Name} WHERE {where} LIMIT 1)"
            : $" WHERE {where}");
    }

    private TargetTable Table(uint relationId) =>
        _relations.TryGetValue(relationId, out var table)
            ? table
            : throw new InvalidOperationException($"No relation message was received for relation {relationId}.");

    private static async Task<List<ColumnValue>> ReadAsync(ReplicationTuple tuple, CancellationToken ct)
    {
        var values = new List<ColumnValue>(tuple.NumColumns);
        await foreach (var value in tuple.WithCancellation(ct))
        {
            values.Add(value.Kind switch
            {
                TupleDataKind.Null => new ColumnValue(null, false),
                TupleDataKind.UnchangedToastedValue => new ColumnValue(null, true),
                _ => new ColumnValue(await value.Get<string>(ct), false),
            });
        }
        return values;
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown };

    public async ValueTask DisposeAsync()
    {
        await _batch.DisposeAsync();
        if (_group is not null)
            await _group.DisposeAsync();
    }

    private readonly record struct ColumnValue(string? Value, bool Unchanged);
}
