namespace PgMove.Core.Cutover;

/// <summary>One source database as the cutover sees it: the slot and publication that carry its changes.</summary>
internal sealed record CutoverDatabase(string Name, string Slot, string Publication);
