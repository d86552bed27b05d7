using System.Net;
using System.Net.Sockets;

namespace PgMove.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of a server. <see cref="Refuse"/> sees the first packet a client
/// sends (PostgreSQL's startup message when TLS is off) and can drop the connection: a firewall that
/// lets one client through and not another.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _targetPort;
    private readonly Task _acceptLoop;

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

    /// <summary>True when the startup message asks for a replication connection (how a subscription connects).</summary>
    public static bool IsReplicationStartup(byte[] packet) =>
        System.Text.Encoding.ASCII.GetString(packet).Contains("replication\0", StringComparison.Ordinal);

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
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                var downstream = client.GetStream();
                var first = await ReadPacketAsync(downstream);
                if (first is null || Refuse(first))
                {
                    Refused++;
                    return;
                }
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                var upstream = server.GetStream();
                await upstream.WriteAsync(first, _stop.Token);
                await Task.WhenAny(downstream.CopyToAsync(upstream, _stop.Token), upstream.CopyToAsync(downstream, _stop.Token));
            }
            catch (Exception)
            {
                // A closed side ends the pair; that is how connections end here.
            }
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
        try
        {
            await _acceptLoop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
