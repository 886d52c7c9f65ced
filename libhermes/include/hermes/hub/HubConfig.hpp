#pragma once
// Every limit and setting of the hub's logic, with its default. hermesd reads
// each from the config file under the key in the comment (hub.*); the
// shipped etc/hermesd.properties lists them all.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hermes/protocol/Limits.hpp"

namespace hermes::hub {

struct HubConfig {
    std::string serverName = "hermes";  // hub.name
    std::string motd;                   // hub.motd
    std::string defaultRoom = "lobby";  // hub.default_room ("" = none)
    std::size_t maxClients = 1024;      // hub.max_clients
    // One machine's share (0 = no limit of its own): its connections, and of
    // those, the ones not welcomed yet (Registry.hpp). A person's terminals,
    // browser tabs and bots fit; one machine cannot take the hub's slots.
    std::size_t maxClientsPerAddress = 16;    // hub.max_clients_per_address
    std::size_t maxHandshakesPerAddress = 8;  // hub.max_handshakes_per_address
    // hub.operators: accounts whose signed-in sessions are hub operators
    // (docs/PROTOCOL.md "Moderation").
    std::vector<std::string> operators;
    std::size_t maxFrameBytes = protocol::kDefaultMaxFrameBytes;  // hub.max_frame_bytes
    std::size_t handshakeMaxFrameBytes =
        protocol::kHandshakeMaxFrameBytes;                      // hub.handshake_max_frame_bytes
    std::size_t maxTextBytes = protocol::kDefaultMaxTextBytes;  // hub.max_text_bytes
    std::size_t maxRoomsPerClient = 64;                         // hub.max_rooms_per_client
    // Rooms the hub holds at once. A room that empties holding nothing (no
    // message, no topic) is reclaimed at the next timer scan (RoomTable.hpp),
    // so this bounds only rooms someone wrote something in.
    std::size_t maxRooms = 10000;    // hub.max_rooms
    std::size_t historySize = 1000;  // hub.history_size (per room, in memory)
    std::size_t joinBacklog = 50;    // hub.join_backlog
    std::size_t historyPageMax = protocol::kDefaultHistoryPageMax;  // hub.history_page_max
    // How much longer a member's queue may be than the median queue of the
    // other members of its rooms. Past it the member reads slower than its
    // rooms talk and is closed (SLOW_CONSUMER). Above the largest burst the
    // rate limits allow into one room (largestRoomBurstBytes(): 44.5 MB by
    // default), so that a member reading slowly through a burst is not cut.
    std::size_t outboundQueueBytes = 64 * 1024 * 1024;  // hub.outbound_queue_bytes
    // The hub's memory for output, all sessions: room frames (once, however
    // many members wait for them) and private frames. Near it the hub stops
    // reading input until it is back to three quarters (TCP pushes back on
    // senders); meanwhile a member whose queue takes nothing for
    // kPausedStall is closed.
    std::size_t maxQueuedBytes = 256 * 1024 * 1024;       // hub.max_queued_bytes
    std::chrono::milliseconds handshakeTimeout{10'000};   // hub.handshake_timeout_ms
    std::chrono::milliseconds writeStallTimeout{10'000};  // hub.write_stall_timeout_ms
    std::chrono::milliseconds pingInterval{30'000};       // hub.ping_interval_ms
    std::chrono::milliseconds pingTimeout{15'000};        // hub.ping_timeout_ms
    double ratePerSecond = 5.0;                           // hub.rate_per_second (0 = unlimited)
    double rateBurst = 10.0;                              // hub.rate_burst
    std::size_t floodBacklog = 20;  // hub.flood_backlog (frames held while limited)
    // Presence to rooms this large is held up to presenceCoalesceDelay so a
    // join storm costs a few broadcasts, not one per processing turn.
    std::size_t presenceCoalesceMembers = 100;             // hub.presence_coalesce_members
    std::chrono::milliseconds presenceCoalesceDelay{100};  // hub.presence_coalesce_ms (0 = off)
    // Rooms with more members than this are large (docs/HUB.md "Large
    // rooms"): a joiner gets a sample of the member list, not all of it, and
    // presence reaches only the members that follow the room
    // (Join.all_presence) unless its subject has spoken there.
    std::size_t presenceFullMaxMembers = 1000;  // hub.presence_full_max_members
    // With durable history: messages waiting for the store's commit, over all
    // rooms, beyond which a say is refused (STORE_BEHIND) rather than held.
    std::size_t maxHeldMessages = 50'000;  // history.max_held_messages
    // Each room's newest seqs that may be replied to, edited, deleted and
    // reacted to (MessageLedger: kept in memory, about 64 bytes a seq, grown
    // as a room talks); older ones are refused NO_SUCH_MESSAGE. 0: none.
    std::size_t editWindow = 1000;  // messages.edit_window

    // --- accounts and the hub password (docs/HUB.md "Accounts") ---------------
    // Empty: an open hub. Otherwise every Hello must carry it (compared in
    // constant time; wrong ones are throttled per address like sign-ins).
    std::string hubPassword;  // hub.password
    // Argon2id cost of new password hashes (libsodium's INTERACTIVE limits by
    // default: 64 MiB, 2 passes, ~50-100 ms). A hash keeps its own cost:
    // changing these affects passwords set from then on.
    std::size_t hashMemoryKib = 64 * 1024;  // accounts.hash_memory_kib (at least 8)
    std::uint32_t hashOps = 2;              // accounts.hash_ops (at least 1)
    // Sign-in attempts (a password checked: Hello.password, Identify,
    // ChangePassword, and wrong hub passwords) per account and per address:
    // a bucket of signInBurst, refilled at signInPerMinute. An attempt takes
    // a token before its hash is checked; a right password gives it back.
    // With no token the attempt is refused (SIGN_IN_THROTTLED) unhashed.
    double signInBurst = 5;              // accounts.sign_in_burst
    double signInPerMinute = 6;          // accounts.sign_in_per_minute
    std::size_t throttleEntries = 4096;  // accounts.throttle_entries (per table)
    // Password hashes queued for the hashing thread, the hub over; past it
    // an attempt is answered ACCOUNTS_BUSY (one runs at a time: hashMemoryKib each).
    std::size_t maxPendingHashes = 16;  // accounts.max_pending
    std::size_t maxAccounts = 10'000;   // accounts.max_accounts

    // --- files (docs/HUB.md "Files") --------------------------------------------
    // The store's directory; empty: the hub keeps no files (FILES_DISABLED).
    // hermesd puts it beside the history database unless files.path says.
    std::string filesPath;                             // files.path
    std::uint64_t maxFileBytes = 64ull * 1024 * 1024;  // files.max_bytes
    std::uint64_t fileQuotaBytes = 4ull << 30;  // files.quota_bytes (stored + uploads under way)
    // Each session's upload rate: acknowledgements (FileProgress) are paced
    // to it, so a client's window stalls past it. 0 = unlimited.
    std::uint64_t uploadBytesPerSecond = 32ull * 1024 * 1024;  // files.upload_bytes_per_second
    // Bytes a client may send ahead of acknowledgements; past it, FLOOD.
    std::size_t fileWindowBytes = 1024 * 1024;  // files.window_bytes
    // An upload without a chunk for this long is dropped (UPLOAD_TIMEOUT).
    std::chrono::milliseconds uploadTimeout{60'000};  // files.upload_timeout_ms
    // Uploads one session may have under way at once.
    std::size_t maxUploadsPerClient = 4;  // files.max_uploads_per_client
    // Downloads one session may have under way at once (each a different file).
    std::size_t maxDownloadsPerSession = 4;  // files.max_downloads_per_session
    // Each session's download rate, over all its downloads: chunks go out
    // paced to it, below the room's messages. 0 = unlimited.
    std::uint64_t downloadBytesPerSecond = 32ull * 1024 * 1024;  // files.download_bytes_per_second
    // Bytes of chunks handed to the file thread and not yet written (or
    // read ahead): past it an uploader's next frames wait for the disk.
    std::uint64_t maxQueuedFileBytes = 16ull * 1024 * 1024;  // files.max_queued_bytes
    // Disk work of files on a thread of its own (FileWorker). False: jobs run
    // only when Hub::runFileJobs() says (unit tests, the fuzzer). Not a key.
    bool fileWorkerThread = true;
    // --- private conversations (docs/HUB.md "Private messages that wait") ----
    // Keep the private messages between two signed-in accounts as a
    // conversation (private_seq, history, search), and keep one to an
    // offline registered nick until that account signs in.
    bool privateHistory = true;  // private.history
    // Messages waiting for one offline account; past it PrivateMessage is
    // refused (MAILBOX_FULL). 0 = none may wait.
    std::size_t privateMaxWaiting = 200;  // private.max_waiting
    // Of those, from one sender's account: a flood from one account fills
    // its share and no more, and everyone else's messages still wait.
    std::size_t privateMaxWaitingPerSender = 50;  // private.max_waiting_per_sender
    // A waiting message older than this is not delivered (0 = no limit).
    std::chrono::hours privateWaitingMaxAge{24 * 30};  // private.waiting_max_age_days
    // --- typing notices and read markers (docs/HUB.md "Typing", "Read markers")
    bool typingEnabled = true;  // typing.enabled
    // Each sender's own bucket for Typing, apart from its message bucket: a
    // client sends one every 3 s per conversation at most, so a burst of 4
    // and one a second let a person type in two places; the excess is
    // dropped quietly (counted in Stats.typing_dropped), never a FLOOD.
    double typingPerSecond = 1.0;  // typing.rate_per_second
    double typingBurst = 4.0;      // typing.burst
    // How long a notice lasts at its receiver unless renewed (TypingNotice.expires_ms).
    std::chrono::milliseconds typingExpiry{6'000};  // typing.expires_ms
    // A member whose output queue holds more than this is backed up: it gets
    // no typing notices until it has caught up (they would be stale anyway).
    std::size_t typingSkipQueueBytes = 16 * 1024;  // typing.skip_queue_bytes
    // Rooms with more members than this relay no typing notices: in a
    // crowd "someone is typing" says nothing and costs a frame per member.
    std::size_t typingMaxRoomMembers = 200;  // typing.max_room_members
    // Markers kept per account (or per session without one): rooms and
    // private conversations together; a MarkRead for a new one past it is
    // refused (INVALID_MARKER).
    std::size_t readMarkersMax = 1000;  // read_markers.max_per_member
    // --- the Redis backplane (docs/CLUSTER.md; hermesd's cluster.*) ---
    // On: room messages take their seq from the backplane (Backplane.hpp),
    // and the hub sends a message, its echo included, only as the backplane
    // hands it back. Off (cluster.redis empty): a hub alone, as ever.
    bool cluster = false;
    std::string clusterHubName;  // cluster.hub_name: this hub's name in the cluster
    // Room messages sent to the backplane and not yet answered; past it a
    // Say is refused (CLUSTER_UNAVAILABLE) rather than held without bound.
    std::size_t clusterMaxInFlight = 10000;  // cluster.max_in_flight
    // cluster.shared_files: every hub's filesPath is one shared directory
    // (docs/CLUSTER.md "Files across hubs"), so a file stored by one hub is
    // read by all; uploads then write to tmp/<clusterHubName>/ there. False:
    // a cluster refuses files (their bytes would be on one hub's disk).
    bool clusterSharedFiles = false;

    // The most one room can be sent at one moment within the rate limits:
    // maxClients members each sending rateBurst messages of maxTextBytes,
    // framed. 0 when the rate is unlimited (no bound exists).
    std::uint64_t largestRoomBurstBytes() const;

    // Settings that work against each other (e.g. an outboundQueueBytes
    // below the largest burst), one sentence each; hermesd logs them at
    // start.
    std::vector<std::string> warnings() const;
};

}  // namespace hermes::hub
