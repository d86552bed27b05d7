using System.Text.Json.Serialization;
using PgMove.Core.Connections;
using PgMove.Core.Migrations;

namespace PgMove.Core.State;

/// <summary>
/// The JSON columns of both stores (ignore list, databases, sealed connection specs), with serializers generated at
/// build time: reflection-based ones are built with Reflection.Emit on first use, which took ~0.1 s of every
/// pgmove start (status, and a resume before it reads its slots). Same default options, so the same JSON.
/// </summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<DatabaseRecord>))]
[JsonSerializable(typeof(DatabaseRecord[]))]
[JsonSerializable(typeof(ConnectionSpec[]))]
internal sealed partial class StoreJson : JsonSerializerContext;
