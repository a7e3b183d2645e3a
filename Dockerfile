# The Werkstrom image: the launcher (gateway, job, migrate, demo) and the Flink job jar.
# Built on Java 17 without the tornadovm Maven profile: every command, the analytics service
# included, runs the plain-Java kernels, also with compose/docker-compose.gpu.yml (docs/gpu.md says
# how to build an image whose service uses a GPU through TornadoVM).
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package -pl werkstrom-app,stream-jobs -am

FROM eclipse-temurin:17.0.13_11-jre
WORKDIR /opt/werkstrom
# A container's log is its console (docker logs): Werkstrom's own INFO goes there, the libraries'
# errors too (werkstrom-logback.xml). The full log file, libraries' INFO included (of Flink, HiveMQ
# and the embedded PostgreSQL their warnings only), is written to /var/log/werkstrom; mount a volume
# there to keep it. Override either with -e at `docker run`.
ENV WERKSTROM_CONSOLE_LEVEL=INFO \
    WERKSTROM_LOG=/var/log/werkstrom/werkstrom.log
RUN mkdir -p /var/log/werkstrom
COPY --from=build /src/werkstrom-app/target/werkstrom-app.jar /opt/werkstrom/werkstrom-app.jar
COPY --from=build /src/werkstrom-app/target/lib /opt/werkstrom/lib
COPY --from=build /src/stream-jobs/target/stream-jobs-*-job.jar /opt/werkstrom/jobs/
# WERKSTROM_JAVA_OPTS goes to the JVM, as the launcher passes it: a gateway's container sets the
# launcher's gateway options there (the compose file does), else the JVM sizes its heap by the
# container's memory.
ENTRYPOINT ["/bin/sh", "-c", "exec java $WERKSTROM_JAVA_OPTS --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -cp '/opt/werkstrom/werkstrom-app.jar:/opt/werkstrom/lib/*' io.werkstrom.app.Werkstrom \"$@\"", "werkstrom"]
CMD ["help"]
