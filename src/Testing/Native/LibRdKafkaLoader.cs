using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace KafkaTyped.Testing.Native;

/// <summary>
/// Resolves the <c>librdkafka</c> native library for this assembly's P/Invokes, preferring the very
/// file Confluent.Kafka already loaded so that the process holds a single copy of librdkafka.
/// </summary>
/// <remarks>
/// <para>Order of resolution:</para>
/// <list type="number">
/// <item>Let Confluent.Kafka load its library (it falls back to <c>centos8-librdkafka.so</c> on its
/// own when the default build cannot load), then, on Linux, find the librdkafka file mapped into
/// this process (<c>/proc/self/maps</c>) and load that same file.</item>
/// <item>Otherwise try, in order, the default build and then <c>centos8-librdkafka.so</c> in
/// <c>runtimes/&lt;rid&gt;/native/</c> under <see cref="AppContext.BaseDirectory"/>, in
/// <see cref="AppContext.BaseDirectory"/> itself and beside the executable (where a NativeAOT
/// publish puts native libraries), then the platform's default search.</item>
/// </list>
/// <para>
/// The loaded library must report the same version as the one Confluent.Kafka uses; otherwise
/// loading fails with a message naming both. The resolver is registered once per process.
/// </para>
/// </remarks>
internal static class LibRdKafkaLoader
{
    private static readonly Lock Gate = new();
    private static bool s_resolverRegistered;
    private static nint s_handle;
    private static string? s_loadedPath;

    /// <summary>The file the embedded cluster's P/Invokes are bound to, once loaded.</summary>
    internal static string? LoadedPath
    {
        get
        {
            lock (Gate)
            {
                return s_loadedPath;
            }
        }
    }

    /// <summary>
    /// Registers the resolver (once) and loads librdkafka (once); throws
    /// <see cref="DllNotFoundException"/> naming every path tried when nothing loads.
    /// </summary>
    internal static void EnsureLoaded()
    {
        lock (Gate)
        {
            RegisterResolver();
            _ = LoadCore();
        }
    }

    private static void RegisterResolver()
    {
        if (s_resolverRegistered)
        {
            return;
        }

        try
        {
            NativeLibrary.SetDllImportResolver(typeof(LibRdKafkaLoader).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // A resolver is already registered for this assembly (only one is allowed per assembly
            // and process); it stays in charge, and EnsureLoaded still reports a missing library.
        }

        s_resolverRegistered = true;
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!string.Equals(libraryName, LibRdKafka.LibraryName, StringComparison.Ordinal))
        {
            return 0;
        }

        lock (Gate)
        {
            return LoadCore();
        }
    }

    private static nint LoadCore()
    {
        if (s_handle != 0)
        {
            return s_handle;
        }

        var confluentVersion = TryGetConfluentKafkaVersion(out var confluentError);
        var attempts = new List<string>();

        // 1. The file Confluent.Kafka loaded.
        if (confluentVersion is not null && TryFindMappedLibrdkafka() is { } mappedPath)
        {
            if (TryLoad(mappedPath, attempts, out var handle))
            {
                return Accept(handle, mappedPath, confluentVersion, attempts);
            }
        }

        // 2. Known locations: default build first, then the glibc-compatible fallback.
        foreach (var path in CandidatePaths())
        {
            if (TryLoad(path, attempts, out var handle))
            {
                return Accept(handle, path, confluentVersion, attempts);
            }
        }

        // 3. Platform default search (LD_LIBRARY_PATH, system directories).
        if (NativeLibrary.TryLoad(LibRdKafka.LibraryName, typeof(LibRdKafkaLoader).Assembly, DllImportSearchPath.SafeDirectories, out var fallback))
        {
            return Accept(fallback, "librdkafka (platform search)", confluentVersion, attempts);
        }

        attempts.Add("librdkafka (platform search): not found");

        var message = new StringBuilder()
            .AppendLine("The embedded Kafka cluster could not load the librdkafka native library. Paths tried:");
        foreach (var attempt in attempts)
        {
            message.Append("  - ").AppendLine(attempt);
        }

        message.Append("Reference the librdkafka.redist package (it ships runtimes/<rid>/native/librdkafka.*); ")
            .Append("on Debian 12 the default librdkafka.so needs libsasl2.so.3, and centos8-librdkafka.so is used instead.");
        if (confluentError is not null)
        {
            message.AppendLine().Append("Confluent.Kafka could not load it either: ").Append(confluentError);
        }

        throw new DllNotFoundException(message.ToString());
    }

    private static nint Accept(nint handle, string path, int? confluentVersion, List<string> attempts)
    {
        if (confluentVersion is { } expected)
        {
            var actual = ReadVersion(handle);
            if (actual != expected)
            {
                NativeLibrary.Free(handle);
                throw new DllNotFoundException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The librdkafka at '{path}' is version 0x{actual:x8}, but Confluent.Kafka loaded version 0x{expected:x8}. "
                    + $"Use one librdkafka for both (the librdkafka.redist version that matches Confluent.Kafka). Tried before: {string.Join("; ", attempts)}"));
            }
        }

        s_handle = handle;
        s_loadedPath = path;
        return handle;
    }

    private static unsafe int ReadVersion(nint handle)
    {
        var export = NativeLibrary.GetExport(handle, "rd_kafka_version");
        return ((delegate* unmanaged<int>)export)();
    }

    private static bool TryLoad(string path, List<string> attempts, out nint handle)
    {
        if (!File.Exists(path))
        {
            attempts.Add($"{path}: no such file");
            handle = 0;
            return false;
        }

        try
        {
            handle = NativeLibrary.Load(path);
            return true;
        }
        catch (DllNotFoundException ex)
        {
            attempts.Add($"{path}: {ex.Message}");
        }
        catch (BadImageFormatException ex)
        {
            attempts.Add($"{path}: {ex.Message}");
        }

        handle = 0;
        return false;
    }

    private static int? TryGetConfluentKafkaVersion(out string? error)
    {
        try
        {
            // Reading the version makes Confluent.Kafka load its librdkafka if it had not yet.
            error = null;
            return Confluent.Kafka.Library.Version;
        }
        catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or FileLoadException or EntryPointNotFoundException or BadImageFormatException or TypeInitializationException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>The librdkafka file already mapped into this process (Linux only), if any.</summary>
    private static string? TryFindMappedLibrdkafka()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0)
                {
                    continue;
                }

                var path = line[slash..].TrimEnd();
                var fileName = Path.GetFileName(path);
                if (fileName.Contains("librdkafka", StringComparison.Ordinal)
                    && (fileName.EndsWith(".so", StringComparison.Ordinal) || fileName.Contains(".so.", StringComparison.Ordinal))
                    && File.Exists(path))
                {
                    return path;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static IEnumerable<string> CandidatePaths()
    {
        var directories = new List<string>();
        var baseDirectory = AppContext.BaseDirectory;
        var rid = RuntimeIdentifierDirectory();
        if (!string.IsNullOrEmpty(baseDirectory))
        {
            directories.Add(Path.Combine(baseDirectory, "runtimes", rid, "native"));
            directories.Add(baseDirectory);
        }

        if (Path.GetDirectoryName(Environment.ProcessPath) is { Length: > 0 } processDirectory)
        {
            directories.Add(Path.Combine(processDirectory, "runtimes", rid, "native"));
            directories.Add(processDirectory);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in directories)
        {
            foreach (var fileName in FileNames())
            {
                var path = Path.GetFullPath(Path.Combine(directory, fileName));
                if (seen.Add(path))
                {
                    yield return path;
                }
            }
        }
    }

    private static string[] FileNames()
    {
        if (OperatingSystem.IsWindows())
        {
            return ["librdkafka.dll"];
        }

        if (OperatingSystem.IsMacOS())
        {
            return ["librdkafka.dylib"];
        }

        return ["librdkafka.so", "centos8-librdkafka.so"];
    }

    private static string RuntimeIdentifierDirectory()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var architecture = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{architecture}";
    }
}
