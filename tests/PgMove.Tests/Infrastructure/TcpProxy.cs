using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of a server. <see cref="Refuse"/> sees the first packet a client
/// sends (PostgreSQL's startup message when TLS is off) and can drop the connection: a firewall that
/// lets one client through and not another. It also injects network faults into the connections it
/// carries: <see cref="DropAll"/> (both sides reset), <see cref="StallAsync"/> (bytes held back, the
/// sockets stay open, as a congested or black-holed link) and <see cref="HalfCloseAll"/> (the client
/// reads end-of-stream while its writes still reach the server).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private readonly Task _acceptLoop;
    private readonly ConcurrentDictionary<Pair, byte> _pairs = new();
    private volatile TaskCompletionSource _flowing = CompletedGate();

    public TcpProxy(int targetPort, Func<byte[], bool>? refuse = null)
    {
        _targetPort = targetPort;
        Refuse = refuse ?? (_ => false);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Func<byte[], bool> Refuse { get; }

    public int Refused { get; private set; }

    /// <summary>Connections forwarded now.</summary>
    public int Active => _pairs.Count;

    /// <summary>Connections accepted since the start (refused ones included).</summary>
    public int Accepted { get; private set; }

    /// <summary>True when the startup message asks for a replication connection (how a subscription connects).</summary>
    public static bool IsReplicationStartup(byte[] packet) =>
        System.Text.Encoding.ASCII.GetString(packet).Contains("replication\0", StringComparison.Ordinal);

    /// <summary>Resets every forwarded connection at once (RST on both sides), as a failing router would. Returns how many.</summary>
    public int DropAll()
    {
        var dropped = 0;
        foreach (var pair in _pairs.Keys)
        {
            pair.Abort();
            dropped++;
        }
        return dropped;
    }

    /// <summary>
    /// Holds back every byte in both directions for <paramref name="duration"/> (connections stay open and new
    /// ones wait too), then lets them flow again.
    /// </summary>
    public async Task StallAsync(TimeSpan duration, CancellationToken ct = default)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flowing = gate;
        try
        {
            await Task.Delay(duration, ct);
        }
        finally
        {
            _flowing = CompletedGate();
            gate.TrySetResult();
        }
    }

    /// <summary>
    /// Half-closes every forwarded connection: the client gets end-of-stream (FIN) while what it sends still
    /// reaches the server, which only ends when the client gives up. Returns how many.
    /// </summary>
    public int HalfCloseAll()
    {
        var closed = 0;
        foreach (var pair in _pairs.Keys)
        {
            pair.HalfClose();
            closed++;
        }
        return closed;
    }

    private long _toClients;
    private long _holdAt = long.MaxValue;
    private TaskCompletionSource? _held;
    private TaskCompletionSource? _holdGate;

    /// <summary>
    /// Arms a hold: once <paramref name="bytes"/> more bytes have gone from the server to the clients, every byte is held
    /// back (as <see cref="StallAsync"/> does) until the returned release is called. The task completes at that instant:
    /// a test acts in the middle of a transfer without having to catch it there by timing.
    /// </summary>
    public (Task Held, Action Release) HoldAfter(long bytes)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held = held;
        Interlocked.Exchange(ref _holdAt, Interlocked.Read(ref _toClients) + bytes);
        return (held.Task, () =>
        {
            Interlocked.Exchange(ref _holdAt, long.MaxValue);
            var gate = _holdGate;
            _flowing = CompletedGate();
            gate?.TrySetResult();
        });
    }

    /// <summary>The pump that crosses an armed mark closes the gate for every connection, its own included.</summary>
    private void CountToClient(int read)
    {
        var total = Interlocked.Add(ref _toClients, read);
        if (total < Interlocked.Read(ref _holdAt) || _held is not { } held)
            return;
        Interlocked.Exchange(ref _holdAt, long.MaxValue);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holdGate = gate;
        _flowing = gate;
        held.TrySetResult();
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Accepted++;
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            var pair = new Pair(client, server);
            try
            {
                var downstream = client.GetStream();
                var first = await ReadPacketAsync(downstream);
                if (first is null || Refuse(first))
                {
                    Refused++;
                    return;
                }
                await _flowing.Task.WaitAsync(_stop.Token);
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                _pairs[pair] = 0;
                var upstream = server.GetStream();
                await upstream.WriteAsync(first, _stop.Token);
                var up = PumpAsync(downstream, upstream, pair, toClient: false);
                var down = PumpAsync(upstream, downstream, pair, toClient: true);
                await Task.WhenAny(up, down);
                // A half-closed pair keeps carrying the client's bytes until the client itself hangs up.
                if (pair.HalfClosed && !up.IsCompleted)
                    await up;
            }
            catch (Exception)
            {
                // A closed side ends the pair; that is how connections end here.
            }
            finally
            {
                _pairs.TryRemove(pair, out _);
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Pair pair, bool toClient)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
                return;
            if (toClient)
                CountToClient(read);
            await _flowing.Task.WaitAsync(_stop.Token);
            if (toClient && pair.HalfClosed)
                continue; // The client was told the stream ended: what the server says now is lost.
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    /// <summary>Reads one length-prefixed startup packet (SSLRequest or StartupMessage).</summary>
    private async Task<byte[]?> ReadPacketAsync(NetworkStream stream)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, _stop.Token);
        var length = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
        if (length is < 8 or > 10000)
            return null;
        var packet = new byte[length];
        header.CopyTo(packet, 0);
        await stream.ReadExactlyAsync(packet.AsMemory(4), _stop.Token);
        return packet;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    /// <summary>One forwarded connection: the client's socket and the server's.</summary>
    private sealed class Pair(TcpClient client, TcpClient server)
    {
        public bool HalfClosed { get; private set; }

        public void Abort()
        {
            Try(() => client.Client.LingerState = new LingerOption(true, 0)); // close with RST, not FIN
            Try(() => server.Client.LingerState = new LingerOption(true, 0));
            Try(() => client.Client.Close());
            Try(() => server.Client.Close());
        }

        public void HalfClose()
        {
            HalfClosed = true;
            Try(() => client.Client.Shutdown(SocketShutdown.Send));
        }

        private static void Try(Action action)
        {
            try
            {
                action();
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException or NullReferenceException)
            {
                // Already closed (a disposed TcpClient's Client is null).
            }
        }
    }
}
