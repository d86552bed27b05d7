using System.Net;
using System.Net.Sockets;

namespace PgMove.Tests.Infrastructure;

/// <summary>Hands out loopback ports that are free now and never the same one twice in a run.</summary>
internal static class FreePorts
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    public static int Next()
    {
        lock (Gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                    return port;
            }
        }
    }
}
