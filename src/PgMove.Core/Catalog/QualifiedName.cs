namespace PgMove.Core.Catalog;

/// <summary>A schema-qualified object name; <see cref="ToString"/> gives the quoted SQL form.</summary>
public sealed record QualifiedName(string Schema, string Name)
{
    public override string ToString() => $"{Identifiers.Quote(Schema)}.{Identifiers.Quote(Name)}";
}
