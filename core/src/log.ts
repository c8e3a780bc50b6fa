// winston loggers. Everything goes to stderr, so a command's stdout carries only its result (JSON/YAML).
import winston from 'winston';

export type Logger = winston.Logger;
export type LogFormat = 'json' | 'text';

export interface LogOptions {
  level?: string;
  format?: LogFormat;
}

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
            const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${lvl} ${String(message)}${rest}`;
          }),
        );
  return winston.createLogger({
    level,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}
