using PgMove.Core.Migrations;

namespace PgMove.Server.Runner;

/// <summary>A migration this process runs: its runner, the task that ends with it, and how to detach it.</summary>
internal sealed record HostedRun(MigrationRunner Runner, Task<MigrationRecord> Task, CancellationTokenSource Detach);
