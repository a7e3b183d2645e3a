-- Alert rules of kind sensor_silent: a sensor of a machine sent no good value for silence_s seconds
-- of sample time while the machine's other samples went on. The same on both flavours.
--
-- V6 declared the kind check on the column, so PostgreSQL named it alert_rules_kind_check. It is
-- dropped by that name, without IF EXISTS: a database whose schema differs should stop this
-- migration rather than end up with two kind checks.
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_kind_check;
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_kind_check
    CHECK (kind IN ('threshold', 'anomaly', 'scrap', 'gateway_offline', 'data_gap', 'sensor_silent'));
ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_sensor_silent_silence_check
    CHECK (kind <> 'sensor_silent' OR silence_s IS NOT NULL);

COMMENT ON COLUMN alert_rules.silence_s IS 'gateway_offline: no data for this long (wall clock); sensor_silent: no good value of a sensor for this long while its machine reports (sample time)';
