using Microsoft.Data.Sqlite;

namespace KafkaTyped.FaultRunner;

/// <summary>
/// The SQLite file every process of a scenario writes to: the producer what the broker acknowledged, each member what
/// its handler handled (inside the handling, before the handler returns) and what its consumer group did. WAL, so that
/// readers never block the writers, and a busy timeout, so that several processes can write at once; a committed row
/// survives a SIGKILL of its writer (synchronous=NORMAL loses only on a power cut).
/// </summary>
public sealed class Ledger : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private Ledger(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (and with <paramref name="create"/> first creates) the ledger at <paramref name="path"/>.</summary>
    public static Ledger Open(string path, bool create = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        connection.Open();
        var ledger = new Ledger(connection);
        ledger.Execute("PRAGMA busy_timeout = 60000;");
        if (create)
        {
            ledger.Execute("""
                PRAGMA journal_mode = WAL;
                CREATE TABLE published (id TEXT PRIMARY KEY, key TEXT NOT NULL, seq INTEGER NOT NULL, producer TEXT NOT NULL, time INTEGER NOT NULL,
                    partition INTEGER NOT NULL, offset INTEGER NOT NULL);
                CREATE TABLE handled (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
                    partition INTEGER NOT NULL, offset INTEGER NOT NULL, run TEXT NOT NULL, generation INTEGER NOT NULL,
                    start INTEGER NOT NULL, end INTEGER NOT NULL);
                CREATE INDEX handled_id ON handled (id);
                CREATE TABLE events (n INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, event INTEGER NOT NULL, time INTEGER NOT NULL, text TEXT NOT NULL);
                """);
        }

        ledger.Execute("PRAGMA synchronous = NORMAL;");
        return ledger;
    }

    /// <summary>Records one handling (called by the member's handler before it returns).</summary>
    public void RecordHandled(FaultRecord record, int partition, long offset, string run, int generation, long start, long end)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO handled (id, key, seq, partition, offset, run, generation, start, end) VALUES ($id, $key, $seq, $p, $o, $run, $g, $s, $e)";
            command.Parameters.AddWithValue("$id", record.Id);
            command.Parameters.AddWithValue("$key", record.Key);
            command.Parameters.AddWithValue("$seq", record.Sequence);
            command.Parameters.AddWithValue("$p", partition);
            command.Parameters.AddWithValue("$o", offset);
            command.Parameters.AddWithValue("$run", run);
            command.Parameters.AddWithValue("$g", generation);
            command.Parameters.AddWithValue("$s", start);
            command.Parameters.AddWithValue("$e", end);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Records acknowledged publishes, in one transaction.</summary>
    public void RecordPublished(IReadOnlyCollection<PublishedRecord> records, string producer)
    {
        if (records.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO published (id, key, seq, producer, time, partition, offset) VALUES ($id, $key, $seq, $producer, $time, $p, $o)";
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var key = command.Parameters.Add("$key", SqliteType.Text);
            var seq = command.Parameters.Add("$seq", SqliteType.Integer);
            var time = command.Parameters.Add("$time", SqliteType.Integer);
            var partition = command.Parameters.Add("$p", SqliteType.Integer);
            var offset = command.Parameters.Add("$o", SqliteType.Integer);
            command.Parameters.AddWithValue("$producer", producer);
            foreach (var record in records)
            {
                (id.Value, key.Value, seq.Value, time.Value, partition.Value, offset.Value) = (record.Id, record.Key, record.Sequence, record.Time, record.Partition, record.Offset);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>Records an event of a member's consumer group (a log event id of the framework, or one of the runner's).</summary>
    public void RecordEvent(string run, int eventId, string text)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO events (run, event, time, text) VALUES ($run, $event, $time, $text)";
            command.Parameters.AddWithValue("$run", run);
            command.Parameters.AddWithValue("$event", eventId);
            command.Parameters.AddWithValue("$time", DateTime.UtcNow.Ticks);
            command.Parameters.AddWithValue("$text", text);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Every acknowledged publish.</summary>
    public List<PublishedRecord> Published()
        => Query("SELECT id, key, seq, time, partition, offset FROM published", r => new PublishedRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), r.GetInt64(5)));

    /// <summary>The acknowledged publishes not handled yet.</summary>
    public List<PublishedRecord> Unhandled()
        => Query(
            "SELECT id, key, seq, time, partition, offset FROM published p WHERE NOT EXISTS (SELECT 1 FROM handled h WHERE h.id = p.id)",
            r => new PublishedRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt32(4), r.GetInt64(5)));

    /// <summary>How many offsets of <paramref name="partition"/> from <paramref name="low"/> on were handled at least once.</summary>
    public long HandledOffsetCount(int partition, long low)
        => Scalar(FormattableString.Invariant($"SELECT count(DISTINCT offset) FROM handled WHERE partition = {partition} AND offset >= {low}"));

    /// <summary>
    /// The number of acknowledged publishes and of those not handled yet (through the index on handled.id: without it the
    /// query scans every handling per publish, hours for a long run's 10⁵ records).
    /// </summary>
    public (long Published, long Unhandled) Progress()
    {
        var published = Scalar("SELECT count(*) FROM published");
        var unhandled = Scalar("SELECT count(*) FROM published p WHERE NOT EXISTS (SELECT 1 FROM handled h WHERE h.id = p.id)");
        return (published, unhandled);
    }

    /// <summary>Every handling, in the order it was recorded.</summary>
    public List<Handling> Handled()
        => Query("SELECT id, key, seq, partition, offset, run, generation, start, end FROM handled ORDER BY n", r => new Handling(
            r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt32(3), r.GetInt64(4), r.GetString(5), r.GetInt32(6), r.GetInt64(7), r.GetInt64(8)));

    /// <summary>Every group event.</summary>
    public List<(string Run, int Event, long Time, string Text)> Events()
        => Query("SELECT run, event, time, text FROM events ORDER BY n", r => (r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3)));

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private long Scalar(string sql)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// One row of the ledger's <c>published</c> table: a record the broker acknowledged, with the partition and offset of the
/// acknowledgement (<see cref="Confluent.Kafka.Offset.Unset"/>'s value when the client confirmed it without an offset).
/// </summary>
public readonly record struct PublishedRecord(string Id, string Key, long Sequence, long Time, int Partition, long Offset)
{
    /// <summary>Whether the client confirmed the record implicitly, without an offset from the broker.</summary>
    public bool Implicit => Offset < 0;
}

/// <summary>One row of the ledger's <c>handled</c> table.</summary>
public readonly record struct Handling(string Id, string Key, long Sequence, int Partition, long Offset, string Run, int Generation, long Start, long End);
