using System.Buffers.Binary;

namespace PgMove.Core.Copy;

/// <summary>
/// Counts the rows of a binary COPY stream as it passes, without decoding values: it walks the
/// header, then each tuple's field count and field lengths, across buffer boundaries.
/// </summary>
internal sealed class CopyRowCounter
{
    private const int HeaderFixedLength = 19; // signature (11) + flags (4) + extension length (4)

    private enum State { Header, HeaderExtension, TupleFieldCount, FieldLength, FieldData, Trailer }

    private readonly byte[] _pending = new byte[HeaderFixedLength];
    private int _pendingLength;
    private State _state = State.Header;
    private long _skip;
    private int _fieldsLeft;

    public long Rows { get; private set; }

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            switch (_state)
            {
                case State.Header:
                    if (!Gather(ref data, HeaderFixedLength)) return;
                    _skip = BinaryPrimitives.ReadInt32BigEndian(_pending.AsSpan(15, 4));
                    _state = _skip > 0 ? State.HeaderExtension : State.TupleFieldCount;
                    break;
                case State.HeaderExtension:
                case State.FieldData:
                    var skipped = (int)Math.Min(_skip, data.Length);
                    data = data[skipped..];
                    _skip -= skipped;
                    if (_skip == 0)
                        _state = _state == State.HeaderExtension ? State.TupleFieldCount : NextField();
                    break;
                case State.TupleFieldCount:
                    if (!Gather(ref data, 2)) return;
                    var fields = BinaryPrimitives.ReadInt16BigEndian(_pending);
                    if (fields < 0)
                    {
                        _state = State.Trailer;
                        break;
                    }
                    Rows++;
                    _fieldsLeft = fields;
                    _state = fields == 0 ? State.TupleFieldCount : State.FieldLength;
                    break;
                case State.FieldLength:
                    if (!Gather(ref data, 4)) return;
                    var length = BinaryPrimitives.ReadInt32BigEndian(_pending);
                    _fieldsLeft--;
                    if (length > 0)
                    {
                        _skip = length;
                        _state = State.FieldData;
                    }
                    else
                    {
                        _state = NextField();
                    }
                    break;
                case State.Trailer:
                    return;
            }
        }
    }

    private State NextField() => _fieldsLeft > 0 ? State.FieldLength : State.TupleFieldCount;

    /// <summary>Collects <paramref name="count"/> bytes into the pending buffer; true once they are all there.</summary>
    private bool Gather(ref ReadOnlySpan<byte> data, int count)
    {
        var take = Math.Min(count - _pendingLength, data.Length);
        data[..take].CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += take;
        data = data[take..];
        if (_pendingLength < count)
            return false;
        _pendingLength = 0;
        return true;
    }
}
