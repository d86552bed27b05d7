namespace PgMove.Core.Replication;

/// <summary>
/// How a relation message differs from the target table. <see cref="Resolvable"/>: only columns the target lacks,
/// whose values are left out for now; that is right only if a later relation message of the same source
/// transaction drops them on the source as well (a DROP COLUMN replayed after the user dropped it on the target).
/// Otherwise the first change that uses the relation stops the database.
/// </summary>
internal sealed record RelationDrift(SchemaDriftException Error, bool Resolvable);
