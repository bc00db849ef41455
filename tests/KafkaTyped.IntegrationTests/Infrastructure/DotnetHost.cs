using System.Runtime.InteropServices;

namespace KafkaTyped.IntegrationTests.Infrastructure;

/// <summary>The <c>dotnet</c> executable that runs this test process, to start the probe programs as child processes.</summary>
public static class DotnetHost
{
    /// <summary>The path of the dotnet muxer (<c>DOTNET_HOST_PATH</c>, else the one beside the running runtime, else <c>dotnet</c>).</summary>
    public static string Path
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }

            // <dotnet root>/shared/Microsoft.NETCore.App/<version>/ -> <dotnet root>/dotnet
            var root = System.IO.Path.GetFullPath(System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            var muxer = System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return File.Exists(muxer) ? muxer : "dotnet";
        }
    }
}
