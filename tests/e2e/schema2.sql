-- tests/e2e/schema2.sql -- turns a schema 3 case into the layout sigtrail
-- wrote up to schema 2: event_details kept the image and boot UUIDs as
-- text, event_view read them there, and the strings table held no UUIDs.
-- Used by the upgrade tests (a case of the old layout, with binary log
-- records whose backtraces are stored as '').
DROP VIEW event_view;
ALTER TABLE event_details RENAME TO d3;
CREATE TABLE event_details(
  event_id INTEGER PRIMARY KEY REFERENCES events(id),
  locator TEXT, event_type_id INTEGER, parent_activity_id INTEGER,
  user_id INTEGER, trace_id INTEGER, mach_timestamp INTEGER,
  sender_pc INTEGER, signpost_id INTEGER, process_path_id INTEGER,
  sender_path_id INTEGER, format_string_id INTEGER,
  process_uuid TEXT, sender_uuid TEXT, boot_uuid TEXT,
  timezone_name TEXT, signpost_name TEXT, signpost_scope TEXT,
  signpost_type TEXT, backtrace TEXT, source_json TEXT, extra TEXT);
INSERT INTO event_details SELECT event_id, locator, event_type_id,
  parent_activity_id, user_id, trace_id, mach_timestamp, sender_pc,
  signpost_id, process_path_id, sender_path_id, format_string_id,
  (SELECT value FROM strings WHERE id = process_uuid_id),
  (SELECT value FROM strings WHERE id = sender_uuid_id),
  (SELECT value FROM strings WHERE id = boot_uuid_id),
  timezone_name, signpost_name, signpost_scope, signpost_type, backtrace,
  source_json, extra FROM d3;
DELETE FROM strings WHERE id IN (SELECT process_uuid_id FROM d3
  UNION SELECT sender_uuid_id FROM d3 UNION SELECT boot_uuid_id FROM d3);
DROP TABLE d3;
CREATE VIEW event_view AS SELECT
  e.id, e.source_id, src.path AS source, e.line, e.byte_offset,
  d.locator, e.time_us,
  strftime('%Y-%m-%dT%H:%M:%S', e.time_us / 1000000, 'unixepoch')
    || printf('.%06dZ', e.time_us % 1000000) AS time_utc,
  coalesce(e.time_text, strftime('%Y-%m-%d %H:%M:%S',
    e.time_us / 1000000 + e.utc_offset_min * 60, 'unixepoch')
    || printf('.%06d%s%02d%02d', e.time_us % 1000000,
       iif(e.utc_offset_min < 0, '-', '+'), abs(e.utc_offset_min) / 60,
       abs(e.utc_offset_min) % 60)) AS time_text,
  e.utc_offset_min, t.value AS type, et.value AS event_type,
  iif(e.thread_id IS NULL, NULL, printf('0x%x', e.thread_id)) AS thread,
  iif(e.activity_id IS NULL, NULL, printf('0x%x', e.activity_id))
    AS activity,
  iif(d.parent_activity_id IS NULL, NULL,
      printf('0x%x', d.parent_activity_id)) AS parent_activity,
  e.pid, e.ttl, d.user_id, d.trace_id, d.mach_timestamp, d.sender_pc,
  d.signpost_id, p.value AS process, pp.value AS process_path,
  s.value AS sender, sp.value AS sender_path, ss.value AS subsystem,
  c.value AS category, e.message, e.message_raw,
  fs.value AS format_string, d.process_uuid, d.sender_uuid,
  d.boot_uuid, d.timezone_name, d.signpost_name, d.signpost_scope,
  d.signpost_type, iif(d.backtrace = '', '{"frames":[{"imageOffset":'
    || d.sender_pc || ',"imageUUID":"' || d.sender_uuid || '"}]}',
    d.backtrace) AS backtrace, d.source_json,
  d.extra
FROM events e
  LEFT JOIN event_details d ON d.event_id = e.id
  LEFT JOIN sources src ON src.id = e.source_id
  LEFT JOIN strings t ON t.id = e.type_id
  LEFT JOIN strings et ON et.id = d.event_type_id
  LEFT JOIN strings p ON p.id = e.process_id
  LEFT JOIN strings pp ON pp.id = d.process_path_id
  LEFT JOIN strings s ON s.id = e.sender_id
  LEFT JOIN strings sp ON sp.id = d.sender_path_id
  LEFT JOIN strings ss ON ss.id = e.subsystem_id
  LEFT JOIN strings c ON c.id = e.category_id
  LEFT JOIN strings fs ON fs.id = d.format_string_id;
PRAGMA user_version = 2;
